"""The vault: the installation's keys, recipient stanzas, the register and the trail's anchor."""
