"""Trust beyond the laptop: organisation certificates and RFC 3161 timestamps."""
