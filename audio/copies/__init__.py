"""The citizen's copy of the audio: WAV, FLAC and MP3 writers, the seal inside, its check."""
