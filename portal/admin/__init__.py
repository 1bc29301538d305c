"""What the national administrator sets: working-day calendar corrections and settings."""
