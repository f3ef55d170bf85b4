"""Where a trained preset came from: earlier stages and each call of its run.

A preset trained in several runs (each `--init-from` the previous result)
lists the earlier stages in its metadata, so it says how many steps went into
it in all. The list is taken when a run *starts* and kept in the run's
`state.json`, because the preset it started from (say the shipped `gopro`)
may be replaced while the run goes on; a run continued with `--resume` adds
one entry per call (its command line and the step it resumed at), so a
preset says which settings trained which steps.

Example:

>>> record = start_record(None, "python training/fit.py --crop 128")
>>> record = resume_record({"step": 400, "provenance": record}, "... --crop 256")
>>> [call["from_step"] for call in record["calls"]]
[0, 400]
>>> preset_provenance(record, steps=600)["calls"][1]["command"]
'... --crop 256'
"""


def earlier_stages(init_from: str, MIMOUNet) -> list[dict]:
    """The training stages recorded in preset `init_from`'s metadata."""
    previous = MIMOUNet.from_preset(init_from, load_weights=False)
    before = (previous.preset_source or {}).get("metadata", {})
    stages = list(before.get("stages", []))
    if not stages and before.get("steps"):
        stages.append({k: before.get(k) for k in ("command", "steps", "source")})
    return stages


def start_record(init_from: str | None, command: str, MIMOUNet=None) -> dict:
    """The provenance of a run started now (from preset `init_from`, if any)."""
    record = {"calls": [{"command": command, "from_step": 0}]}
    if init_from:
        record["initialised_from"] = str(init_from)
        record["earlier_stages"] = earlier_stages(init_from, MIMOUNet)
    return record


def resume_record(state: dict, command: str) -> dict:
    """`state`'s provenance plus this call, which resumes at `state["step"]`.

    A run saved before provenance was recorded starts its list here.
    """
    record = dict(state.get("provenance") or {})
    call = {"command": command, "from_step": state["step"]}
    record["calls"] = [*record.get("calls", []), call]
    return record


def preset_provenance(record: dict, steps: int) -> dict:
    """Metadata for a preset holding `steps` steps of the run `record` describes.

    Returns the run's `calls` when it took more than one; with a starting
    preset, also `initialised_from`, `stages` (the earlier ones plus this
    run) and their `total_steps`.
    """
    calls = record.get("calls", [])
    several = {"calls": calls} if len(calls) > 1 else {}
    if "initialised_from" not in record:
        return several
    stage = {"command": calls[0]["command"] if calls else None, "steps": steps}
    stages = [*record.get("earlier_stages", []), {**stage, **several}]
    return {
        "initialised_from": record["initialised_from"],
        "stages": stages,
        "total_steps": sum(s.get("steps") or 0 for s in stages),
    }
