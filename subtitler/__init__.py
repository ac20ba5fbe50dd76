"""subtitler: video in, readable subtitles in every language out."""

__version__ = "0.1.0"
