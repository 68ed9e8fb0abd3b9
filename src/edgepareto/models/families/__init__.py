"""Built-in model families, one module each; ``edgepareto.models`` imports every module in this folder."""
