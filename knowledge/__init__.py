"""The knowledge graph that ships with nn-triage: YAML files only; this module locates them."""

from importlib.resources import files
from pathlib import Path


def graph_dir() -> Path:
    """The folder holding the shipped knowledge YAML files."""
    return Path(str(files(__name__).joinpath("graph")))


def vocabulary_file() -> Path:
    """The canonical ids and refs every knowledge graph must contain (copy of shared/vocabulary.yaml)."""
    return Path(str(files(__name__).joinpath("vocabulary.yaml")))


def schema_file() -> Path:
    """The JSON Schema of the knowledge YAML files, generated from engine.schema."""
    return Path(str(files(__name__).joinpath("schema", "knowledge.schema.json")))
