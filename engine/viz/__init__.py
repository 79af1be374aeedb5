"""Pictures of an analysis: colours (colour), panels (the one drawing path), grid and video (grid),
charts (charts), Plotly figures (figures) and files and bytes (export)."""
