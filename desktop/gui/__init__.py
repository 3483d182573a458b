"""The Qt desktop app: windows, the wizard, dialogs and the worker that keeps the GUI responsive."""
