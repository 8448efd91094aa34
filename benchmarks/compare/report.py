#!/usr/bin/python3
"""Turns benchmarks/compare's JSON lines into decisions and tables.

    report.py pick PROBE.jsonl   one line per winning configuration:
                                 "config<TAB>only<TAB>mlp-batches or -<TAB>mkldnn"
    report.py table RAW_DIR      the Markdown report (run.sh's output)
    report.py contended RAW_DIR  Kiln's default threads against one thread
                                 with a busy process on one core (run.sh
                                 --contended): medians of interleaved runs
"""
import json
import os
import sys
from collections import defaultdict

# (key, title, unit, higher is better)
ROWS = [
    ("mlp_train@32", "MLP 784-300-100-10 training, batch 32 (SGD 0.01)", "samples/s", True),
    ("mlp_train@128", "MLP training, batch 128", "samples/s", True),
    ("mlp_train@256", "MLP training, batch 256", "samples/s", True),
    ("cnn_train", "CNN training, batch 64 (Adam)", "images/s", True),
    ("lstm_train@64", "LSTM(128) on 28x28 rows training, batch 64 (Adam)", "samples/s", True),
    ("lstm_train@256", "LSTM(128) training, batch 256", "samples/s", True),
    ("gru_train@64", "GRU(128) on 28x28 rows training, batch 64 (Adam)", "samples/s", True),
    ("gru_train@256", "GRU(128) training, batch 256", "samples/s", True),
    ("resnet_train", "ResNet-style CNN (BatchNormalization, Add, Dropout) training, batch 64 (Adam)",
     "images/s", True),
    ("xor", "XOR 2-2-1, 3000 epochs of batch 1 (SGD 0.1, mse)", "s (wall)", False),
    ("mlp_infer_b1", "MLP inference, batch 1 (one call per image)", "µs/image", False),
    ("mlp_infer_b10000", "MLP inference, batch 10000", "images/s", True),
]
HIGHER = {key: hi for key, _, _, hi in ROWS}


def load(path):
    records = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    records.append(json.loads(line))
    return records


def key_of(r):
    if r["bench"] in ("mlp_train", "lstm_train", "gru_train"):
        return f"{r['bench']}@{r['batch']}"
    return r["bench"]


def config_of(r):
    """torch-threads:openblas-threads:wait policy, as run.sh spells it."""
    return f"{r.get('threads')}:{r.get('openblas_threads') or '-'}:{r.get('omp_wait_policy') or '-'}"


def config_label(r):
    parts = [f"{r.get('threads')} torch thr", f"{r.get('openblas_threads') or '?'} BLAS thr"]
    if r.get("omp_wait_policy"):
        parts.append(f"OMP_WAIT_POLICY={r['omp_wait_policy'].lower()}")
    if "mkldnn" in r:
        parts.append("MKL-DNN" if r["mkldnn"] else "no MKL-DNN")
    return ", ".join(parts)


def better(key, a, b):
    """True if median a beats median b for benchmark `key`."""
    return a > b if HIGHER.get(key, True) else a < b


def best_per_key(records):
    best = {}
    for r in records:
        if r["bench"] == "info" or "median" not in r:
            continue
        k = key_of(r)
        if k not in best or better(k, r["median"], best[k]["median"]):
            best[k] = r
    return best


def pick(path):
    best = best_per_key(load(path))
    groups = defaultdict(lambda: {"only": set(), "batches": [], "mkldnn": "both"})
    for k, r in best.items():
        g = groups[config_of(r)]
        if k.startswith("mlp_train@"):
            g["only"].add("mlp")
            g["batches"].append(int(k.split("@")[1]))
        elif k == "cnn_train":
            g["only"].add("cnn")
            g["mkldnn"] = "on" if r.get("mkldnn") else "off"
        elif k.startswith("mlp_infer"):
            g["only"].add("infer")
        elif k.startswith(("lstm_train@", "gru_train@")):
            g["only"].add("rnn")
        elif k == "resnet_train":
            g["only"].add("resnet")
        else:
            g["only"].add(k)
    for cfg, g in sorted(groups.items()):
        print("\t".join([cfg, ",".join(sorted(g["only"])),
                         ",".join(str(b) for b in sorted(g["batches"])) or "-",
                         g["mkldnn"]]))


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "s (wall)":
        return f"{v:.3f}" if v >= 0.1 else f"{v * 1000:.2f} ms"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(kiln, ref, higher):
    if kiln is None or ref is None or kiln <= 0 or ref <= 0:
        return "–"
    x = kiln / ref if higher else ref / kiln
    return f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×"


def spread(r):
    s = r.get("samples") or []
    return len(s)


def table(raw):
    meta = {}
    with open(os.path.join(raw, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    kiln = load(os.path.join(raw, "kiln.jsonl"))
    torch = load(os.path.join(raw, "torch.jsonl"))
    libtorch = load(os.path.join(raw, "libtorch.jsonl"))
    blas = load(os.path.join(raw, "openblas.jsonl"))
    probes = {fw: load(os.path.join(raw, f"{fw}-probe.jsonl")) for fw in ("torch", "libtorch")}
    kb, tb, lb = best_per_key(kiln), best_per_key(torch), best_per_key(libtorch)
    info = {fw: next((r for r in recs if r["bench"] == "info"), {})
            for fw, recs in (("kiln", kiln), ("torch", torch), ("libtorch", libtorch),
                             ("openblas", blas))}
    host_cpu = info["kiln"].get("host_cpu", "?").split()[0]
    out = []
    w = out.append
    quick = meta.get("mode") == "quick"
    w(f"### Kiln vs PyTorch, libtorch and OpenBLAS{' (QUICK run: small sizes, not for quoting)' if quick else ''}")
    w("")
    w(f"- Command: `{meta.get('command', '').strip()}` ({meta.get('date', '')}, "
      f"Kiln {meta.get('kiln_commit', '?')})")
    w(f"- Machine: {meta.get('cpu_model', '?')} (family/model {meta.get('cpu_family_model', '?')}), "
      f"{meta.get('cpu_count', '?')} CPUs{', virtual machine' if meta.get('hypervisor') == 'yes' else ''}; "
      f"LLVM host CPU `{host_cpu}`; load average {meta.get('load_start', '?')} at the start, "
      f"{meta.get('load_end', '?')} at the end")
    w(f"- OpenBLAS {info['openblas'].get('config', '?').split(' ')[1] if info['openblas'].get('config') else '?'}: "
      f"autodetects `{meta.get('openblas_detected', '?')}`; run with "
      f"`OPENBLAS_CORETYPE={meta.get('openblas_coretype') or '(unset)'}` "
      f"({meta.get('openblas_coretype_why', '')}; OPENBLAS_VERBOSE=2 reports `{meta.get('openblas_active', '?')}`), "
      f"for the sgemm program, PyTorch and libtorch alike")
    try:
        busy = float(meta.get("load_start", "0").split()[0]) >= 0.5 * int(meta.get("cpu_count", "1"))
    except ValueError:
        busy = False
    if busy:
        w("- **The machine was busy** (load average above half its CPUs before the run): other "
          "processes took CPU time from every measurement, two-thread runs most, so all numbers "
          "are low and noisy; compare ratios, rerun when the machine is idle")
    ti, li = info["torch"], info["libtorch"]
    w(f"- PyTorch {ti.get('version', '?')} (Python {ti.get('python', '?')}, ATen CPU capability "
      f"{ti.get('cpu_capability', '?')}, MKL-DNN available: {ti.get('mkldnn_available', '?')}); "
      f"libtorch {li.get('version', '?')} (same build, C++). Both use OpenBLAS for GEMM and "
      f"oneDNN (MKL-DNN) for convolutions when enabled")
    jt = info["kiln"].get("jit_default_threads", "single-threaded code")
    kiln_threads = ("generated code is single-threaded" if isinstance(jt, str) else
                    f"models compile with the JIT's default threads = {jt}"
                    f"{' (all cores)' if jt == 0 else ''}")
    w(f"- Kiln: {kiln_threads}; one process, no configuration. "
      "References: each row uses the configuration that measured best for it (torch intra-op "
      "threads × OpenBLAS threads × OMP_WAIT_POLICY, MKL-DNN on/off for the CNN), shown in brackets")
    w("- Medians of per-epoch (training), per-run (XOR, inference) or per-call (matmul) samples; "
      "training excludes the first (warm-up) epoch. Ratio = Kiln's speed relative to the "
      "reference: >1 means Kiln is faster")
    w("")
    w("| benchmark | unit | Kiln | PyTorch | libtorch | Kiln vs PyTorch | Kiln vs libtorch |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for key, title, unit, hi in ROWS:
        k, t, l = kb.get(key), tb.get(key), lb.get(key)
        kv, tv, lv = (r["median"] if r else None for r in (k, t, l))
        tcell = f"{fmt(tv, unit)} [{config_label(t)}]" if t else "–"
        lcell = f"{fmt(lv, unit)} [{config_label(l)}]" if l else "–"
        w(f"| {title} | {unit} | {fmt(kv, unit)} | {tcell} | {lcell} | {ratio(kv, tv, hi)} | "
          f"{ratio(kv, lv, hi)} |")
    w("")

    # Same work, similar loss.
    w("Same data and epochs, similar loss (Keras's loss of the last epoch; each framework "
      "initialises and shuffles with its own generator, Glorot-uniform kernels and zero biases):")
    w("")
    w("| run | data | Kiln | PyTorch | libtorch |")
    w("| --- | --- | ---: | ---: | ---: |")
    for key, title in (("mlp_train@32", "MLP, batch 32"), ("mlp_train@128", "MLP, batch 128"),
                       ("mlp_train@256", "MLP, batch 256"), ("cnn_train", "CNN, batch 64"),
                       ("lstm_train@64", "LSTM, batch 64"), ("gru_train@64", "GRU, batch 64"),
                       ("resnet_train", "ResNet-style CNN, batch 64"), ("xor", "XOR")):
        recs = [kb.get(key), tb.get(key), lb.get(key)]
        ref = next((r for r in recs if r), None)
        if not ref:
            continue
        data = (f"{ref['epochs']} epochs of the first {ref['n']} training images"
                if "n" in ref else f"{ref['epochs']} epochs of the 4 XOR samples")
        cells = [f"{r['loss']:.4f}" if r and "loss" in r else "–" for r in recs]
        w(f"| {title} | {data} | " + " | ".join(cells) + " |")
    w("")

    # Matmul.
    km = {(r["n"], r.get("threads", 1)): r for r in kiln if r["bench"] == "matmul"}
    bm = {(r["n"], r["threads"]): r for r in blas if r["bench"] == "matmul"}
    sizes = sorted({n for n, _ in km} | {n for n, _ in bm})
    kiln_threaded = any(t == 2 for _, t in km)
    if sizes:
        w(f"Square f32 matmul C = A·B, GFLOP/s (2N³/time): Kiln's `kiln.matmul` on static memrefs "
          f"through kiln-to-llvm and the JIT vs `cblas_sgemm` (OpenBLAS core "
          f"`{meta.get('openblas_active', '?')}`)"
          + ("" if kiln_threaded else "; Kiln's code is single-threaded, so its 2-thread ratio "
             "compares that one thread with OpenBLAS's two (*)") + ":")
        w("")
        w("| N | Kiln 1 thread | Kiln 2 threads | OpenBLAS 1 thread | OpenBLAS 2 threads | "
          "Kiln vs OpenBLAS, 1 thread | Kiln vs OpenBLAS, 2 threads | Kiln samples | "
          "Kiln max rel. error |")
        w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for n in sizes:
            k1, k2, b1, b2 = km.get((n, 1)), km.get((n, 2)), bm.get((n, 1)), bm.get((n, 2))
            kv1, kv2, v1, v2 = (r["median"] if r else None for r in (k1, k2, b1, b2))
            r2 = ratio(kv2, v2, True) if k2 else (ratio(kv1, v2, True) + " *" if kv1 else "–")
            kcell2 = fmt(kv2, "GFLOP/s") if k2 else ("–" if kiln_threaded else "n/a")
            samples = "/".join(str(spread(r)) for r in (k1, k2) if r) or "–"
            errs = [r.get("max_rel_err") for r in (k1, k2) if r and "max_rel_err" in r]
            w(f"| {n} | {fmt(kv1, 'GFLOP/s')} | {kcell2} | {fmt(v1, 'GFLOP/s')} | "
              f"{fmt(v2, 'GFLOP/s')} | {ratio(kv1, v1, True)} | {r2} | {samples} | "
              f"{max(errs) if errs else '–'} |")
        w("")

    compile_s = [f"{key_of(r)} {r['compile_s']:.2f} s" for r in kiln
                 if "compile_s" in r and r["bench"] != "matmul"]
    if compile_s:
        w(f"Kiln compile times (not in the numbers above): {', '.join(compile_s)}.")
        w("")

    errors = [r for r in kiln if r["bench"] == "error"]
    if errors:
        w("**Kiln failed on:** " + "; ".join(
            f"{r['what']}: `{r['message'].splitlines()[0][:300]}`" for r in errors))
        w("")

    # The configuration sweep behind the reference columns.
    for fw, name in (("torch", "PyTorch"), ("libtorch", "libtorch")):
        recs = [r for r in probes[fw] if r["bench"] != "info"]
        if not recs:
            continue
        configs = []
        for r in recs:
            c = config_of(r)
            if c not in configs:
                configs.append(c)
        w(f"<details><summary>{name} configuration probe (short runs: "
          f"{'this run' if quick else 'used only to choose the configurations above'})</summary>")
        w("")
        w("| torch threads : OpenBLAS threads : OMP_WAIT_POLICY | " +
          " | ".join(title.split(" (")[0] + (f" ({unit})") for _, title, unit, _ in ROWS) + " |")
        w("| --- |" + " ---: |" * len(ROWS))
        for c in configs:
            cells = []
            for key, _, unit, _ in ROWS:
                vals = [r for r in recs if config_of(r) == c and key_of(r) == key]
                if not vals:
                    cells.append("–")
                elif key == "cnn_train":
                    cells.append(" / ".join(
                        f"{fmt(r['median'], unit)} ({'dnn' if r.get('mkldnn') else 'no dnn'})"
                        for r in vals))
                else:
                    cells.append(fmt(vals[0]["median"], unit))
            w(f"| {c} | " + " | ".join(cells) + " |")
        w("")
        w("</details>")
        w("")
    print("\n".join(out))


def contended(raw):
    """Rows of contended-0.jsonl (default threads) against contended-1.jsonl
    (one thread): each side's median over its runs' medians."""
    def medians(path):
        values = defaultdict(list)
        for r in load(path):
            if r.get("bench") in ("info", "error") or "median" not in r:
                continue
            values[key_of(r)].append(r["median"])
        return {k: sorted(v)[len(v) // 2] for k, v in values.items()}

    default = medians(os.path.join(raw, "contended-0.jsonl"))
    one = medians(os.path.join(raw, "contended-1.jsonl"))
    print("| with a busy process on one core | unit | default threads | 1 thread | default / 1 thread |")
    print("| --- | --- | --- | --- | --- |")
    worst = None
    for key, title, unit, higher in ROWS:
        if key not in default or key not in one:
            continue
        r = default[key] / one[key] if higher else one[key] / default[key]
        worst = r if worst is None else min(worst, r)
        print(f"| {title} | {unit} | {fmt(default[key], unit)} | {fmt(one[key], unit)} | {r:.2f}x |")
    if worst is not None:
        print(f"\nWorst row: {worst:.2f}x (1.00x or more: the default is no slower than one thread).")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "contended":
        contended(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "pick":
        pick(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
