"""One module a saliency method; each registers itself on import (see ../registry.py)."""
