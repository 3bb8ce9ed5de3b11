"""The worksheet: ops behind the ``Op`` protocol, network and graph steps, and the sheet
that evaluates them under a rounding policy. Every tool and view reads these steps."""
