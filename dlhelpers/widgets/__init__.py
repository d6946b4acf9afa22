"""Interactive ipywidgets demos, one module per lesson topic.

Every demo is built by a function that returns the widget (so a test can move its controls
and read the result) and draws its default view when first displayed.
"""
