/// The Python that `memory --pid` runs inside a CPython process (`PythonMemoryAttach`).
///
/// A pending call executes it in the target's main thread at a safe point; it starts a daemon thread
/// that runs memray's Tracker when memray is importable there (and we have the memray CLI to read its
/// capture), else — or when the Tracker will not start — `tracemalloc`; either ends after the duration, when `stop` appears in its directory,
/// or as soon as the directory is gone (our run ended or was aborted), so the target is left as it
/// was. tracemalloc's snapshot is written as folded stacks in bytes, frames `function (file.py:LINE)`
/// with function names from the file's `ast`; our own frames are filtered out. Files appear
/// atomically (`.part` + rename): `started`, then `memray.bin` or `tracemalloc.folded`, and `done` last
/// (JSON, with `error` when something failed).
enum PythonMemoryPayload {
    static let fileName = "flame_graph_memory.py"

    static let source = #"""
        import json, os, sys, threading, time

        DIR = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(DIR, "settings.json")) as _settings:
            SETTINGS = json.load(_settings)


        def _write(name, text):
            part = os.path.join(DIR, name + ".part")
            with open(part, "w", encoding="utf-8", errors="replace") as f:
                f.write(text)
            os.replace(part, os.path.join(DIR, name))


        def _spans(filename, cache):
            # (first line, last line, name) of every def, lambda and class of a source file.
            if filename not in cache:
                spans = None
                try:
                    import ast, linecache
                    text = "".join(linecache.getlines(filename))
                    if text:
                        spans = []
                        for node in ast.walk(ast.parse(text)):
                            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                                last = getattr(node, "end_lineno", None) or node.lineno
                                spans.append((node.lineno, last, getattr(node, "name", "<lambda>")))
                except Exception:
                    spans = None
                cache[filename] = spans
            return cache[filename]


        def _function(filename, lineno, cache):
            spans = _spans(filename, cache)
            if spans is None:
                return "<unknown>"
            best = None
            for first, last, name in spans:
                if first <= lineno <= last and (best is None or last - first < best[1] - best[0]):
                    best = (first, last, name)
            return best[2] if best else "<module>"


        def _clean(text):
            return text.replace(";", ":").replace("\n", " ").replace("\r", " ")


        def _folded(snapshot):
            import tracemalloc
            snapshot = snapshot.filter_traces([
                tracemalloc.Filter(False, os.path.abspath(__file__), all_frames=True),
                tracemalloc.Filter(False, tracemalloc.__file__),
            ])
            stats = snapshot.statistics("traceback")
            cache, labels, lines, size, other, truncated = {}, {}, [], 0, 0, 0
            for stat in stats:
                frames = []
                for frame in stat.traceback:  # the oldest first
                    label = labels.get((frame.filename, frame.lineno))
                    if label is None:
                        label = "%s (%s:%d)" % (
                            _clean(_function(frame.filename, frame.lineno, cache)),
                            _clean(os.path.basename(frame.filename)), frame.lineno)
                        labels[(frame.filename, frame.lineno)] = label
                    frames.append(label)
                total = getattr(stat.traceback, "total_nframe", None)
                if total and total > len(frames):
                    truncated += 1
                line = ";".join(frames) + " %d\n" % stat.size
                if len(lines) >= SETTINGS["max_lines"] or size + len(line) > SETTINGS["max_bytes"]:
                    other += stat.size
                    continue
                lines.append(line)
                size += len(line)
            if other:
                lines.append("(stacks beyond the output limit) %d\n" % other)
            return "".join(lines), len(stats), truncated


        def _waited():
            # True after the duration or a `stop`; False when the directory is gone.
            end = time.monotonic() + SETTINGS["duration"]
            while time.monotonic() < end and not os.path.exists(os.path.join(DIR, "stop")):
                if not os.path.isdir(DIR):
                    return False
                time.sleep(0.05)
            return os.path.isdir(DIR)


        def _tracemalloc():
            import tracemalloc
            ours, result = False, {"producer": "tracemalloc"}
            try:
                if SETTINGS["kind"] == "temporary":
                    why = " (memray: %s)" % MEMRAY_FAILED[0] if MEMRAY_FAILED else " (memray can)"
                    raise RuntimeError("tracemalloc cannot tell temporary allocations apart" + why)
                ours = not tracemalloc.is_tracing()
                if ours:
                    tracemalloc.start(SETTINGS["frames"])
                _write("started", json.dumps({"producer": "tracemalloc", "already": not ours,
                                              "frames": tracemalloc.get_traceback_limit(),
                                              "memray_error": MEMRAY_FAILED[0] if MEMRAY_FAILED else None}))
                if not _waited():
                    return
                snapshot = tracemalloc.take_snapshot()
                if ours:
                    tracemalloc.stop()
                text, stacks, truncated = _folded(snapshot)
                result.update(stacks=stacks, truncated=truncated)
                _write("tracemalloc.folded", text)
            except BaseException as error:
                result["error"] = "%s: %s" % (type(error).__name__, error)
            finally:
                if ours and tracemalloc.is_tracing():
                    tracemalloc.stop()
            if os.path.isdir(DIR):
                _write("done", json.dumps(result))


        MEMRAY_FAILED = []


        def _memray():
            # True when memray tracked, False when it is not importable here or would not start (another
            # Tracker is active, …): tracemalloc then, with the reason in `started`.
            try:
                import memray
            except ImportError:
                return False
            result = {"producer": "memray"}
            try:
                tracker = memray.Tracker(os.path.join(DIR, "memray.bin"))
                tracker.__enter__()
            except Exception as error:
                MEMRAY_FAILED.append("%s: %s" % (type(error).__name__, error))
                return False
            try:
                _write("started", json.dumps({"producer": "memray"}))
                _waited()
            finally:
                try:
                    tracker.__exit__(None, None, None)
                except BaseException as error:
                    result["error"] = "%s: %s" % (type(error).__name__, error)
            if os.path.isdir(DIR):
                _write("done", json.dumps(result))
            return True


        def _worker():
            # Tracking starts in this thread: a memray Tracker entered in the pending call itself (the
            # main thread, between two bytecodes) records nothing of the main thread (measured here).
            if not (SETTINGS["memray"] and _memray()):
                _tracemalloc()


        def _run():
            if os.path.isdir(DIR) and not os.path.exists(os.path.join(DIR, "started")):
                threading.Thread(target=_worker, name="flame-graph memory", daemon=True).start()


        _run()
        """#
}
