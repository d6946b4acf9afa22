"""dlhelpers: the small numpy toolbox behind the course's lessons and homework.

Modules are imported on demand (``from dlhelpers import nn``) so that importing the
package stays fast; see the README for the map of modules.
"""

__version__ = "0.1.0"
