"""The sound card through PortAudio: capture, playback, device listing, staying awake."""
