"""Reading and writing files: strict YAML, problem validation, answers files, the
problem writer and the JSON Schemas. Builds the model; knows nothing of the sheet."""
