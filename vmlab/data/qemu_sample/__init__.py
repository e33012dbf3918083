"""The QEMU sample: fourteen real pre-copy live migrations (see README.md here)."""
