"""Hypothesis strategies that make inputs for the fuzz targets of `tests/fuzz_harness.py`.

Each `*_inputs()` strategy produces the raw bytes its target reads, so that an input found here,
one found by atheris and a saved crash file all replay the same way. Besides random bytes and
text, each one builds inputs that look like the real thing (knowledge YAML, training logs,
protocol lines, saved sessions, problem descriptions) and mutates the real files the project
ships, because plain random bytes rarely get past the first check of a parser.
"""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import strategies as st

from fuzz_harness import ROOT, log_input, shipped_files

# ---------------------------------------------------------------------------------------------
# building blocks

WEIRD_TEXT = ["", " ", "\t", "\x00", "\x1b[31m", "\u202e", "\ufeff", "\r", "\r\n", "\x85", "\u2028",
              "[bold red]x[/]", "[@click=app.quit]", "<script>alert(1)</script>", "ﷺ", "㍿", "ﬃ",
              "é", "日本語", "🙂", "\ud7ff", "𝒳", "a" * 300]
NUMBER_TEXT = ["0", "1", "-1", "2.302585", "1e308", "1e309", "-1e309", "1e-400", "NaN", "nan", "-nan",
               "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF", "1_000", "0x10", "１２",
               "1.5e", ".", "-", "+", "1,5", " 1.5 ", "9" * 400, "1e99999", "0.1" * 10]


def text_from(pool: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(pool), st.text(max_size=20))


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 300, max_value=10 ** 320),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.sampled_from(WEIRD_TEXT),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


@st.composite
def mutated(draw, source: bytes, max_ops: int = 4) -> bytes:
    """``source`` with a few byte-level edits: cut, duplicate, delete, insert, flip, truncate."""
    data = bytearray(source)
    tokens = [b"\x00", b"\xff", b"\xc3", b"\n", b"\r\n", b"\"", b"'", b",", b"{", b"}", b"[", b"]", b":",
              b"- ", b"&a ", b"*a", b"!!python/object:os.system ", b"<<: ", b"? ", b"|", b">", b"---\n",
              b"...\n", b"%YAML 1.1\n", b"\t", b"nan", b"-inf", b"1e999", b"9" * 50, "ﷺ".encode(),
              b"\xef\xbb\xbf", b"\x1b[0m", b"[" * 200]
    for _ in range(draw(st.integers(1, max_ops))):
        if not data:
            data += draw(st.sampled_from(tokens))
            continue
        i = draw(st.integers(0, len(data) - 1))
        j = draw(st.integers(i, min(len(data), i + 200)))
        op = draw(st.sampled_from(["delete", "dup", "insert", "flip", "truncate", "swap"]))
        if op == "delete":
            del data[i:j]
        elif op == "dup":
            data[j:j] = data[i:j]
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.sampled_from(tokens), st.binary(max_size=8)))
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[j:]
        else:
            k = draw(st.integers(0, len(data) - 1))
            data[i], data[k] = data[k], data[i]
    return bytes(data)


# ---------------------------------------------------------------------------------------------
# YAML and knowledge

YAML_WORDS = ["nodes", "edges", "rules", "id", "kind", "title", "en", "ja", "symptom", "context", "question",
              "reason", "strategy", "suggests", "rules_out", "weakens", "refines", "leads_to", "source",
              "target", "strength", "when", "factor", "prior", "cost", "base_rate", "ref", "why", "check",
              "fix", "snippets", "pytorch", "keras", "phrases", "negative", "if", "then", "boost",
              "rule_out", "assert", "answer", "because", "yes", "no", "unknown", "loss_nan", "learning_rate_wrong",
              "4.10", "~", "null", "true", "1e400", ".nan", "-.inf", "0o17", "0x1F", "2001-12-14", "&a", "*a",
              "!!str", "!!python/object/apply:os.system", "!!binary", "!custom", "<<", "?", "|", ">", "-",
              ":", "{", "}", "[", "]", ",", "#", "'", '"', "\\", "%YAML 1.2", "---", "..."]


@lru_cache(maxsize=None)
def shipped_texts() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in shipped_files())


@lru_cache(maxsize=None)
def shipped_data() -> tuple[dict, ...]:
    return tuple(yaml.safe_load(t) for t in shipped_texts())


yaml_ish_text = st.lists(
    st.one_of(st.sampled_from(YAML_WORDS), st.sampled_from([" ", "  ", "\n", "\n  ", "\n- ", ": ", "\t"]),
              st.text(max_size=6)), max_size=60).map("".join)

yaml_structures = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from(YAML_WORDS), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.one_of(st.sampled_from(YAML_WORDS), st.text(max_size=8)), inner,
                                            max_size=5)), max_leaves=25)


@st.composite
def knowledge_like(draw) -> dict:
    """A mapping shaped like a knowledge file: entries from the shipped graph with fields changed,
    dropped or added, plus made-up entries."""
    out: dict = {}
    data = draw(st.sampled_from(shipped_data()))
    for key in ("nodes", "edges", "rules"):
        entries = list(data.get(key) or [])
        if not entries and not draw(st.booleans()):
            continue
        picked = draw(st.lists(st.sampled_from(entries), max_size=6)) if entries else []
        changed = []
        for entry in picked:
            entry = dict(entry)
            for _ in range(draw(st.integers(0, 3))):
                field = draw(st.sampled_from(sorted(entry) + YAML_WORDS[:45]))
                action = draw(st.sampled_from(["drop", "set", "set", "swap_kind"]))
                if action == "drop":
                    entry.pop(field, None)
                elif action == "swap_kind":
                    entry["kind"] = draw(st.sampled_from(YAML_WORDS[9:19] + ["", "Reason"]))
                else:
                    entry[field] = draw(st.one_of(yaml_structures, st.sampled_from(YAML_WORDS)))
            changed.append(entry)
        changed += draw(st.lists(st.dictionaries(st.sampled_from(YAML_WORDS[:45]), yaml_structures, max_size=6),
                                 max_size=2))
        out[key] = changed
    if draw(st.integers(0, 9)) == 0:
        out[draw(st.sampled_from(["node", "extra", "Nodes", ""]))] = []
    return out


@lru_cache(maxsize=None)
def shipped_entries() -> tuple[tuple, tuple, tuple]:
    nodes, edges, rules = [], [], []
    for data in shipped_data():
        nodes += data.get("nodes") or []
        edges += data.get("edges") or []
        rules += data.get("rules") or []
    return tuple(nodes), tuple(edges), tuple(rules)


def _rule_ids(rule: dict) -> set:
    ids = set((rule.get("if") or {}).keys())
    for action in rule.get("then") or []:
        ids.update(v for k, v in action.items() if k in ("boost", "rule_out", "assert"))
    return ids


@st.composite
def subgraph(draw) -> dict:
    """A self-contained piece of the shipped graph (the edges and rules among some of its nodes),
    lightly changed: it often loads, so the graph checks and the engine run on it too."""
    nodes, edges, rules = shipped_entries()
    picked = draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=30, unique_by=lambda n: n["id"]))
    ids = {n["id"] for n in picked}
    out = {"nodes": [dict(n) for n in picked],
           "edges": [dict(e) for e in edges if e.get("source") in ids and e.get("target") in ids],
           "rules": [dict(r) for r in rules if _rule_ids(r) <= ids]}
    return draw(changed_entries(out, ids))


@st.composite
def changed_entries(draw, out: dict, ids: set) -> dict:
    """A few fields of a knowledge mapping dropped, replaced, copied from a sibling, or whole
    entries deleted."""
    out = {k: [dict(e) for e in v] if isinstance(v, list) else v for k, v in out.items()}
    for k in ("nodes", "edges", "rules"):
        out.setdefault(k, [])
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        key = draw(st.sampled_from(["nodes", "edges", "rules"]))
        if not out[key]:
            continue
        i = draw(st.integers(0, len(out[key]) - 1))
        entry = out[key][i]
        field = draw(st.sampled_from(sorted(entry) + ["when", "factor", "strength", "kind", "prior", "cost"]))
        action = draw(st.sampled_from(["drop", "set", "copy", "delete_entry"]))
        if action == "drop":
            entry.pop(field, None)
        elif action == "copy":   # a value taken from another entry's field: right type, wrong place
            other = draw(st.sampled_from(out[key]))
            if field in other:
                entry[field] = other[field]
        elif action == "delete_entry":
            del out[key][i]
        else:
            entry[field] = draw(st.one_of(yaml_structures, st.sampled_from(YAML_WORDS + sorted(ids))))
    return out


def _dump(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def knowledge_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        subgraph().map(_dump).map(str.encode),
        subgraph().map(_dump).map(str.encode),
        knowledge_like().map(_dump).map(str.encode),
        yaml_structures.map(_dump).map(str.encode),
        yaml_ish_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(range(7)).flatmap(lambda i: mutated(shipped_texts()[i % len(shipped_texts())])),
        st.integers(1, 300).map(lambda d: ("a:\n" + "".join("  " * k + "- \n" for k in range(d))).encode()),
        st.integers(1, 20000).map(lambda d: nested(d).encode()),
        st.binary(max_size=200),
    )


def yaml_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(knowledge_inputs(), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))


def layered_inputs() -> st.SearchStrategy[bytes]:
    """First byte: which shipped file the text stands in for."""
    def one(index: int) -> st.SearchStrategy[bytes]:
        text, data = shipped_texts()[index], shipped_data()[index]
        ids = {n["id"] for n in shipped_entries()[0]}
        return st.one_of(mutated(text), changed_entries(data, ids).map(_dump).map(str.encode),
                         knowledge_like().map(_dump).map(str.encode)).map(lambda b: bytes([index]) + b)

    return st.integers(0, len(shipped_texts()) - 1).flatmap(one)


# ---------------------------------------------------------------------------------------------
# logs

COLUMNS = ["epoch", "step", "loss", "val_loss", "accuracy", "val_accuracy", "acc", "val_acc", "lr",
           "learning_rate", "grad_norm", "train_loss", "valid_loss", "time", "error_rate", "train_loss_step",
           "train_loss_epoch", "val_recall_0", "val_recall_1", "grad_norm/0.weight", "loss/train", "",
           "Loss", "mse", "global_step", "loss", "loss "]

clean_cells = st.one_of(st.floats(-1e6, 1e6).map(repr), st.floats(0, 10).map(lambda x: f"{x:.4f}"),
                        st.integers(0, 10_000).map(str), st.sampled_from(["", "NA", "nan", "inf", "-inf", "NaN"]))
cells = st.one_of(st.sampled_from(NUMBER_TEXT), st.sampled_from(["", "NA", "none", "null", "-", "n/a"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6))


@st.composite
def csv_log(draw) -> bytes:
    """Mostly well-formed: a log that is refused at its first odd cell tests one line of the reader."""
    dirty = draw(st.integers(0, 3)) == 0
    names = draw(st.lists(text_from(COLUMNS) if dirty else st.sampled_from(COLUMNS), min_size=1, max_size=6))
    delim = draw(st.sampled_from([",", ",", "\t", ";"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    pool = cells if dirty else clean_cells
    rows = draw(st.lists(st.lists(pool, min_size=len(names), max_size=len(names)), max_size=25))
    if dirty and draw(st.booleans()):   # some rows with the wrong number of fields
        rows += draw(st.lists(st.lists(cells, max_size=len(names) + 2), max_size=2))
    if draw(st.integers(0, 4)) == 0:
        names = [f'"{n}"' for n in names]
    text = delim.join(names) + end + "".join(delim.join(r) + end for r in rows)
    if dirty and draw(st.booleans()):
        text = text[:draw(st.integers(0, len(text)))]
    return text.encode("utf-8", "surrogatepass")


@st.composite
def keras_csv(draw) -> bytes:
    names = ["epoch"] + draw(st.lists(st.sampled_from(COLUMNS[2:12]), min_size=1, max_size=5, unique=True))
    n = draw(st.integers(0, 40))
    values = draw(st.lists(st.one_of(st.floats(0, 10), st.sampled_from([float("nan"), float("inf"), 1e308])),
                           min_size=n * (len(names) - 1), max_size=n * (len(names) - 1)))
    lines = [",".join(names)]
    for i in range(n):
        row = values[i * (len(names) - 1):(i + 1) * (len(names) - 1)]
        lines.append(",".join([str(i)] + [repr(v) for v in row]))
    return ("\n".join(lines) + "\n").encode()


@st.composite
def lightning_csv(draw) -> bytes:
    metrics = draw(st.lists(st.sampled_from(["train_loss_step", "train_loss_epoch", "val_loss", "val_acc",
                                             "lr-Adam", "grad_2.0_norm_total"]), min_size=1, max_size=4, unique=True))
    lines = [",".join(["epoch", "step"] + metrics)]
    for i in range(draw(st.integers(0, 40))):
        row = [str(i // 10), str(i)] + [draw(st.one_of(st.just(""), clean_cells)) for _ in metrics]
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


records = st.dictionaries(text_from(COLUMNS), st.one_of(json_values, st.floats(), st.sampled_from(NUMBER_TEXT)),
                          max_size=6)
clean_records = st.dictionaries(st.sampled_from(COLUMNS), st.one_of(st.floats(), st.integers(), st.none(),
                                                                   st.sampled_from(["nan", "inf", "1e999"])),
                                min_size=1, max_size=6)


def _json_line(obj) -> str:
    return json.dumps(obj)  # NaN and Infinity are written as Python's json writes them


@st.composite
def jsonl_log(draw) -> bytes:
    dirty = draw(st.integers(0, 3)) == 0
    lines = [_json_line(r) for r in draw(st.lists(records if dirty else clean_records, max_size=20))]
    if dirty:
        lines.insert(draw(st.integers(0, len(lines))),
                     draw(st.sampled_from(["[1, 2]", "{", "nul", '{"loss": 1e999999}', '{"loss": ' + "9" * 5000 + "}",
                                           nested(5000), '{"a":' * 3000 + "1" + "}" * 3000, "\ud800"])))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", ""]))
    return text.encode("utf-8", "surrogatepass")


@st.composite
def json_doc(draw) -> bytes:
    shape = draw(st.integers(0, 3))
    recs = st.one_of(clean_records, clean_records, records)
    if shape == 0:
        doc = draw(st.lists(recs, max_size=15))
    elif shape == 1:
        doc = {"log_history": draw(st.lists(recs, max_size=15)), "best_metric": draw(json_values)}
    elif shape == 2:
        doc = draw(st.dictionaries(text_from(COLUMNS), st.lists(st.one_of(st.floats(), json_scalars), max_size=15),
                                   max_size=5))
    else:
        doc = draw(json_values)
    text = json.dumps(doc)
    if draw(st.integers(0, 4)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text.encode("utf-8", "surrogatepass")


@lru_cache(maxsize=None)
def _tb():
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    return event_pb2, summary_pb2, masked_crc32c


def tf_record(payload: bytes, corrupt: int = 0) -> bytes:
    _, _, crc = _tb()
    head = struct.pack("<Q", len(payload))
    head_crc = struct.pack("<I", crc(head) ^ (corrupt & 1))
    data_crc = struct.pack("<I", crc(payload) ^ (corrupt & 2))
    return head + head_crc + payload + data_crc


@st.composite
def tfevents_log(draw) -> bytes:
    event_pb2, summary_pb2, _ = _tb()
    out = b""
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(range(1, 21)))
        if kind == 20:
            payload = draw(st.binary(max_size=40))   # not an Event (or an odd one)
        else:
            values = []
            for _ in range(draw(st.integers(0, 3))):
                tag = draw(text_from(COLUMNS))
                if kind < 12:
                    values.append(summary_pb2.Summary.Value(tag=tag, simple_value=draw(st.floats(width=32))))
                else:
                    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

                    dtype = draw(st.sampled_from([types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE, types_pb2.DT_HALF,
                                                  types_pb2.DT_INT32, types_pb2.DT_STRING]))
                    dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=s)
                            for s in draw(st.lists(st.integers(-1, 3), max_size=2))]
                    tensor = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=dims))
                    which = draw(st.integers(0, 4))
                    if which == 0:
                        tensor.tensor_content = draw(st.binary(max_size=17))
                    elif which == 1:
                        tensor.float_val.extend(draw(st.lists(st.floats(width=32), max_size=2)))
                    elif which == 2:
                        tensor.half_val.extend(draw(st.lists(st.integers(0, 65535), max_size=2)))
                    elif which == 3:
                        tensor.int64_val.extend(draw(st.lists(st.integers(-2 ** 63, 2 ** 63 - 1), max_size=2)))
                    values.append(summary_pb2.Summary.Value(tag=tag, tensor=tensor))
            event = event_pb2.Event(step=draw(st.integers(-2 ** 63, 2 ** 63 - 1)), wall_time=draw(st.floats()),
                                    summary=summary_pb2.Summary(value=values))
            payload = event.SerializeToString()
        out += tf_record(payload, draw(st.integers(0, 3)) if draw(st.integers(0, 9)) == 0 else 0)
    if draw(st.integers(0, 5)) == 0:
        out = out[:draw(st.integers(0, len(out)))]
    return out


@lru_cache(maxsize=None)
def fixture_logs() -> tuple[tuple[int, bytes], ...]:
    """(file name index, the first ~8 KB) of the shipped fixture logs."""
    base = ROOT / "tests" / "fixtures" / "logs"
    out = []
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.suffix == ".py" or path.suffix == ".yaml":
            continue
        name = path.name
        index = 5 if "tfevents" in name else 2 if name.endswith(".jsonl") else 0
        out.append((index, path.read_bytes()[:8192]))
    return tuple(out)


def log_inputs() -> st.SearchStrategy[bytes]:
    body = st.one_of(
        st.tuples(st.sampled_from([0, 1, 6, 7]), st.one_of(csv_log(), keras_csv(), lightning_csv())),
        st.tuples(st.sampled_from([2, 6]), jsonl_log()),
        st.tuples(st.sampled_from([3, 4]), json_doc()),
        st.tuples(st.just(5), tfevents_log()),
        st.sampled_from(fixture_logs()).flatmap(lambda f: st.tuples(st.just(f[0]), mutated(f[1]))),
        st.tuples(st.integers(0, 7), st.binary(max_size=300)),
        st.tuples(st.integers(0, 7), st.sampled_from(NUMBER_TEXT + WEIRD_TEXT).map(
            lambda t: ("loss\n" + t + "\n").encode("utf-8", "surrogatepass"))),
    )
    # sampled_from, not integers: hypothesis draws the bounds of an integer range far more often
    how = st.sampled_from(["file"] * 14 + ["folder", "column"])
    return st.tuples(body, st.sampled_from([0, 1, 2, 3]), how).map(
        lambda t: log_input(t[0][0], t[0][1], t[1], folder=t[2] == "folder", column=t[2] == "column"))


# ---------------------------------------------------------------------------------------------
# protocol

@lru_cache(maxsize=None)
def node_ids() -> tuple[str, ...]:
    from fuzz_harness import kb_and_model

    return tuple(sorted(kb_and_model()[0].nodes))


ANSWERS = ["yes", "no", "unknown", "found", "ok", "skip", "Yes", "", "maybe"]
KEYS = ["answer", "id", "say", "undo", "why", "save", "quit", "evidence"]


@lru_cache(maxsize=None)
def node_answers() -> dict[str, tuple[str, ...]]:
    from engine.model import answers_for
    from fuzz_harness import kb_and_model

    kb = kb_and_model()[0]
    return {i: answers_for(n.kind) for i, n in kb.nodes.items()}


@st.composite
def protocol_line(draw) -> str:
    """Mostly requests the session can carry out (so that sessions get long and answers pile up),
    and every kind of wrong one."""
    kind = draw(st.sampled_from(["answer"] * 5 + ["pending"] * 3 + ["odd_answer", "control", "control", "say",
                                                                  "save", "json", "text"]))
    ids = node_ids()
    if kind == "answer":   # a fitting answer to a named node
        node = draw(st.sampled_from(ids))
        msg: dict = {"answer": draw(st.sampled_from(node_answers()[node])), "id": node}
        if draw(st.sampled_from([False, False, False, True])):
            msg["evidence"] = draw(st.one_of(st.text(max_size=40), json_values))
        return json.dumps(msg)
    if kind == "pending":  # an answer to whatever is asked
        return json.dumps({"answer": draw(st.sampled_from(["yes", "no", "unknown", "found", "ok", "skip"]))})
    if kind == "odd_answer":
        msg = {"answer": draw(st.one_of(st.sampled_from(ANSWERS), json_values))}
        if draw(st.booleans()):
            msg["id"] = draw(st.one_of(st.sampled_from(ids), st.sampled_from(ids).map(lambda s: s[:-1]), json_values))
        return json.dumps(msg)
    if kind == "control":
        return json.dumps({draw(st.sampled_from(["undo", "why", "quit"])): draw(st.one_of(st.just(True), json_values))})
    if kind == "say":
        return json.dumps({"say": draw(st.one_of(st.text(max_size=80), json_values, st.sampled_from(
            ["loss is nan after 5 steps", "no nans, but overfitting", "val acc 10% with 10 classes",
             "学習率を上げたら損失がnanになった", "batch size 8192"])))})
    if kind == "save":
        return json.dumps({"save": draw(st.one_of(st.text(max_size=20), json_values,
                                                  st.sampled_from(["s.json", "a\x00b", "", ".", "..", "x" * 300])))})
    if kind == "json":
        return json.dumps(draw(st.one_of(json_values, st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4))))
    return draw(st.one_of(st.text(max_size=40), st.sampled_from(
        ["{", "}", "null", "[]", '{"answer": ' + "9" * 5000 + "}", nested(100000), '{"answer": NaN}',
         '{"answer": "yes", "answer": "no"}', "\x00", '{"answer": "yes"} trailing', '{"say": "loss \\ud800 nan"}',
         '{"answer": "yes", "id": "loss_nan", "evidence": "\\udfff"}'])))


def protocol_inputs() -> st.SearchStrategy[bytes]:
    return st.tuples(st.integers(0, 1), st.lists(protocol_line(), max_size=20)).map(
        lambda t: bytes([t[0]]) + "\n".join(t[1]).encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------
# saved sessions

@st.composite
def session_json(draw) -> dict:
    from engine.model import answers_for
    from engine.session import Session
    from fuzz_harness import kb_and_model

    kb, model = kb_and_model()
    session = Session(kb, model, lang=draw(st.sampled_from(["en", "ja"])))
    for node_id in draw(st.lists(st.sampled_from(node_ids()), max_size=6)):
        session.answer(draw(st.sampled_from(answers_for(kb.nodes[node_id].kind))), node_id)
    return json.loads(session.to_file().model_dump_json())


@st.composite
def mutate_json(draw, value):
    """``value`` with one part replaced, dropped or added."""
    if isinstance(value, (dict, list)) and value and draw(st.integers(0, 3)) > 0:
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = draw(st.sampled_from(keys))
        value = dict(value) if isinstance(value, dict) else list(value)
        action = draw(st.integers(0, 4))
        if action == 0:
            del value[key]
        elif action == 1 and isinstance(value, dict):
            value[draw(st.sampled_from(["extra", "version", "events", "orphans", "seq", "id", "answer"]))] = draw(json_values)
        else:
            value[key] = draw(mutate_json(value[key]))
        return value
    return draw(st.one_of(json_values, st.integers(-2, 3), st.sampled_from(["yes", "found", "loss_nan", "", "x" * 300]),
                          st.integers(10 ** 30, 10 ** 40)))


def session_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        session_json().flatmap(lambda d: st.lists(st.just(0), max_size=3).flatmap(
            lambda ops: _apply(d, len(ops)))).map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
        session_json().map(lambda d: json.dumps(d, indent=2).encode()).flatmap(mutated),
        st.sampled_from(["1", "[]", "{}", '{"version": 2}', '{"version": "1"}', '{"version": 1, "events": [' +
                         "9" * 5000 + "]}", nested(100000), '{"version": 1e400}', "\ufeff{}"]).map(str.encode),
        st.binary(max_size=100),
    )


def _apply(doc, times: int):
    strategy = st.just(doc)
    for _ in range(times):
        strategy = strategy.flatmap(mutate_json)
    return strategy


# ---------------------------------------------------------------------------------------------
# free text

@lru_cache(maxsize=None)
def phrase_words() -> tuple[str, ...]:
    """The words of the knowledge's own phrases (templates with their syntax removed)."""
    from fuzz_harness import kb_and_model

    kb = kb_and_model()[0]
    out = []
    for node in kb.facts:
        for field in ("phrases", "negative"):
            group = getattr(node, field, None)
            if group is not None:
                for source in (*group.en, *group.ja):
                    out.append("".join(" " if ch in "()[]|~*\\" else ch for ch in source))
    return tuple(sorted(set(out)))


def matcher_inputs() -> st.SearchStrategy[bytes]:
    pieces = st.one_of(st.sampled_from(phrase_words()), st.sampled_from(NUMBER_TEXT + WEIRD_TEXT),
                       st.sampled_from(["no", "not", "but", ",", ".", "。", "ない", "10 classes", "loss", "%",
                                        "stuck at", "batch size", "lr=", "images", "nan after"]),
                       st.text(max_size=10))
    return st.one_of(
        st.lists(pieces, max_size=30).map(" ".join),
        st.text(max_size=300),
        st.tuples(st.one_of(pieces, st.text(min_size=1, max_size=12)), st.integers(1, 3000)).map(
            lambda t: (t[0] * t[1])[:12000]),
    ).map(lambda t: t.encode("utf-8", "surrogatepass"))


STRATEGIES = {
    "yaml": yaml_inputs,
    "knowledge": knowledge_inputs,
    "knowledge_layered": layered_inputs,
    "logs": log_inputs,
    "protocol": protocol_inputs,
    "session_file": session_inputs,
    "matcher": matcher_inputs,
}
