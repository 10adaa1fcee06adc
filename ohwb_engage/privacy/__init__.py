"""Data protection across features: data subject requests (export, erase) and retention."""
