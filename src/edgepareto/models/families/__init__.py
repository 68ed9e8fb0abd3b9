"""Built-in model families, one module each; the registry imports every module in this folder."""
