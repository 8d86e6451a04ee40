"""Speech providers: text to speech for narrators and media conversion for audio prompts."""
