"""Scoring saliency: the metric catalog (catalog), agreement with flow and masks (agreement),
faithfulness curves (faithfulness), the paper's scores (paper) and statistics (stats)."""
