"""A small relayer written for the migrate tests: it uses the generated `godark_settlement` package the way
a real one does (constructors, decoders, attributes, builders, json_bridge), plus its own classes."""
