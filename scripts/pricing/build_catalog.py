#!/usr/bin/env python3
"""Build Shepherd's price catalog from the LiteLLM price map snapshot.

    python3 scripts/pricing/build_catalog.py [SOURCE.json] [OUT.json]

Defaults: ../shared/pricing/model_prices_and_context_window.json (beside the repository)
and Sources/ShepherdLedger/Resources/catalog.json. The output is deterministic (sorted,
one model per line) so a refresh shows up as a readable diff.

Money never passes through binary floating point on the way out: each per-token float is
taken by its shortest repr (what the JSON file says), read as a Decimal, scaled to USD per
million tokens, rounded to 12 significant digits and normalised, then written as a string.
"""
import json
import os
import sys
from decimal import Decimal, Context, ROUND_HALF_EVEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SOURCE = os.path.join(ROOT, "..", "shared", "pricing", "model_prices_and_context_window.json")
DEFAULT_OUT = os.path.join(ROOT, "Sources", "ShepherdLedger", "Resources", "catalog.json")
CONTEXT = Context(prec=12, rounding=ROUND_HALF_EVEN)
MILLION = Decimal(1_000_000)

# catalog field -> (source field, scale): per-token prices become per-1M, per-unit stay as they are.
FIELDS = [
    ("input", "input_cost_per_token", MILLION),
    ("cached_input", "cache_read_input_token_cost", MILLION),
    ("output", "output_cost_per_token", MILLION),
    ("audio_input", "input_cost_per_audio_token", MILLION),
    ("per_image", "input_cost_per_image", Decimal(1)),
    ("per_audio_second", "input_cost_per_audio_per_second", Decimal(1)),
    ("per_video_second", "input_cost_per_video_per_second", Decimal(1)),
]


def exact(value, scale):
    """A JSON number as an exact, normalised decimal string, or None if it is not a price."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    decimal = CONTEXT.multiply(Decimal(repr(value)), scale)
    if decimal < 0:
        return None
    normalised = decimal.normalize(CONTEXT)
    # `normalize` may give an exponent form (1E+1); Shepherd's parser wants plain digits.
    return format(normalised, "f")


def convert(name, entry):
    if not isinstance(entry, dict):
        return None
    model = {}
    for field, source, scale in FIELDS:
        value = exact(entry.get(source), scale)
        if value is not None:
            model[field] = value
    # Speech-to-text models price their audio by the second under a generic name.
    if "per_audio_second" not in model and entry.get("mode") == "audio_transcription":
        value = exact(entry.get("input_cost_per_second"), Decimal(1))
        if value is not None:
            model["per_audio_second"] = value
    if "input" not in model and "output" not in model and not any(k.startswith("per_") for k in model):
        return None
    for field in ("max_input_tokens", "max_output_tokens"):
        value = entry.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            model[field] = value
    provider = entry.get("litellm_provider")
    if isinstance(provider, str):
        model["provider"] = provider
    return model


def main(argv):
    source = argv[1] if len(argv) > 1 else DEFAULT_SOURCE
    out = argv[2] if len(argv) > 2 else DEFAULT_OUT
    with open(source, encoding="utf-8") as handle:
        raw = json.load(handle)
    models = {}
    for name in sorted(raw):
        if name == "sample_spec":
            continue
        model = convert(name, raw[name])
        if model is not None:
            models[name] = model
    lines = ["{", '  "unit": "USD per 1M tokens; per_* fields USD per unit",', '  "models": {']
    entries = [f"    {json.dumps(name)}: {json.dumps(model, sort_keys=True, separators=(',', ':'))}"
               for name, model in models.items()]
    lines.append(",\n".join(entries))
    lines += ["  }", "}", ""]
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    print(f"{len(models)} priced models of {len(raw)} entries -> {os.path.relpath(out)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
