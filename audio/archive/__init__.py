"""The organisation's archive: sealed files kept WORM on S3 Object Lock."""
