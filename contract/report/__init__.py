"""Reports: the verdict, the JSON report (build, strict reader) and its renderers.

Importing this package loads nothing, so that the gate's reader never pulls in Jinja2.
"""
