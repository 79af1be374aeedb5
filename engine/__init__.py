"""Video saliency explorer engine: clips, models, saliency, flow, metrics and plots.

Never imports streamlit; the app and the CLI only call into it.
"""

__version__ = "0.1.0"
