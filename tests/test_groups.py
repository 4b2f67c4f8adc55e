"""Portfolio files (issue #11): every reproduction of the hostile test. Expected problems are
written by hand; good rows are checked against the same groups run one by one."""

import contextlib
import socket
import subprocess
import sys
import threading

import pandas as pd
import pytest

import engine
from engine.cli import main
from engine.groups import PROBLEMS
from engine.portfolio import portfolio

BOGRA = "bogra_handicrafts"


def run(capsys, tmp_path, text, *extra, suffix=".csv"):
    src = tmp_path / f"groups{suffix}"
    if isinstance(text, bytes):
        src.write_bytes(text)
    else:
        src.write_text(text, encoding="utf-8")
    out = tmp_path / "result.csv"
    code = main(["portfolio", str(src), "--base", BOGRA, "--out", str(out), *extra])
    err = capsys.readouterr().err
    return code, (pd.read_csv(out, keep_default_na=False) if out.exists() else None), err


def single(**overrides):
    return portfolio(engine.load_scenario(BOGRA),
                     pd.DataFrame([{"group_id": "x", **overrides}])).iloc[0]


def test_trailing_commas_as_spreadsheets_export_them(capsys, tmp_path):
    code, result, err = run(capsys, tmp_path, "group_id,group.members,,\n"
                                              "g1,20,,\ng2,30,,\n")
    assert code == 0 and err == ""
    assert list(result.group_id) == ["g1", "g2"]
    assert result.min_cash_balance[1] == pytest.approx(single(**{"group.members": 30})
                                                       .min_cash_balance)


def test_bad_rows_are_named_and_good_rows_still_run(capsys, tmp_path):
    text = ("group_id,group.members,channels.tmss_retail.price\n"
            "g1,20,300\n"          # line 2: good
            "g2,NA,300\n"          # 3: NA is text, not a number
            "g3,nan,300\n"         # 4: nan is not finite
            "g4,null,300\n"        # 5: members cannot be none
            "g5,N/A,300\n"         # 6
            "g1,25,300\n"          # 7: repeats g1
            ",10,10\n"             # 8: no group_id
            "g8,true,1\n"          # 9: bool is not a count
            "g9,1,2,3\n"           # 10: four fields
            "g10,40\n"             # 11: two fields
            "g11,30,\n")           # 12: empty cell: the base price
    code, result, err = run(capsys, tmp_path, text)
    src = str(tmp_path / "groups.csv")
    assert code == 2
    expected = [
        f"{src}:3: group_id=g2: group.members: must be a whole number (got 'NA')",
        f"{src}:4: group_id=g3: group.members: must be a finite number (got 'nan')",
        f"{src}:5: group_id=g4: group.members: must be a whole number (got null)",
        f"{src}:6: group_id=g5: group.members: must be a whole number (got 'N/A')",
        f"{src}:7: group_id=g1: group_id: 'g1' repeats the group_id of line 2",
        f"{src}:8: group_id=(none): group_id: empty: every row needs a group_id",
        f"{src}:9: group_id=g8: group.members: must be a whole number (got true)",
        f"{src}:10: group_id=g9: 4 fields where the header has 3",
        f"{src}:11: group_id=g10: 2 fields where the header has 3",
    ]
    assert err.splitlines()[1:] == [f"  {line}" for line in expected]
    assert len(result) == 11
    good = result[result[PROBLEMS] == ""]
    assert list(good.group_id) == ["g1", "g11"]
    assert float(good.min_cash_balance.iloc[0]) == pytest.approx(
        single(**{"group.members": 20, "channels.tmss_retail.price": 300}).min_cash_balance)
    assert float(good.min_cash_balance.iloc[1]) == pytest.approx(
        single(**{"group.members": 30}).min_cash_balance)
    code, _, _ = run(capsys, tmp_path, text, "--skip-bad")
    assert code == 0


def test_whole_file_problems_stop_the_run(capsys, tmp_path):
    code, result, err = run(capsys, tmp_path, "members,nope,nope\n1,2,3\n")
    assert code == 2 and result is None
    assert "groups.csv:1: the file needs a group_id column (columns: members, nope, nope)" in err
    assert "groups.csv:1: nope: column appears twice" in err
    assert "groups.csv:1: members: unknown column" in err
    for data, message in [(b"", "the file is empty (it needs a header with group_id)"),
                          (b"group_id\n\x00\x01\x02", "not a text CSV file (it contains NUL bytes"),
                          ("group_id,group.members\ncaf\u00e9,1\n".encode("latin-1"),
                           "not UTF-8 text (byte 0xe9)")]:
        code, result, err = run(capsys, tmp_path, data)
        assert code == 2 and message in err and result is None, message


def test_chunks_give_the_same_rows_as_one_batch(capsys, tmp_path, monkeypatch):
    import engine.groups
    rows = "".join(f"g{i},{10 + i},{200 + 10 * i}\n" for i in range(7))
    text = "group_id,group.members,channels.tmss_retail.price\n" + rows
    _, whole, _ = run(capsys, tmp_path, text)
    monkeypatch.setattr(engine.groups, "CHUNK_GROUPS", 3)
    _, chunked, _ = run(capsys, tmp_path, text)
    pd.testing.assert_frame_equal(whole, chunked)


def test_parquet_output_keeps_types_across_chunks_with_bad_rows(capsys, tmp_path, monkeypatch):
    import engine.groups
    monkeypatch.setattr(engine.groups, "CHUNK_GROUPS", 2)
    src = tmp_path / "g.csv"
    src.write_text("group_id,group.members\nb1,true\nb2,-1\ng1,20\n")
    out = tmp_path / "r.parquet"
    assert main(["portfolio", str(src), "--base", BOGRA, "--out", str(out), "--skip-bad"]) == 0
    result = pd.read_parquet(out)
    assert list(result.group_id) == ["b1", "b2", "g1"]
    assert result.exit_month.isna().tolist() == [True, True, False]
    assert not list(tmp_path.glob(".*partial"))


@contextlib.contextmanager
def peer(greeting):
    """A local TCP server that accepts connections and sends `greeting` (None: nothing),
    then reads and keeps the connection open; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for conn in held:
            conn.close()


ADVICE = ("; start a Dask scheduler there (`dask scheduler`) or leave out the address to run "
          "on this machine\n")


def dask_error(capsys, tmp_path, address):
    src = tmp_path / "g.csv"
    src.write_text("group_id,group.members\ng1,20\n")
    code = main(["portfolio", str(src), "--base", BOGRA, "--out", str(tmp_path / "r.csv"),
                 "--dask", address])
    assert not (tmp_path / "r.csv").exists()
    return code, capsys.readouterr().err


def test_a_cell_past_the_largest_float_is_quoted_as_typed(capsys, tmp_path):
    # 1e400 > 1.8e308, the largest float: it read as inf and was named '(got inf)'
    code, result, err = run(capsys, tmp_path, "group_id,group.members\ng1,1e400\ng2, -1E999\n")
    src = tmp_path / "groups.csv"
    assert code == 2 and err.splitlines()[1:] == [
        f"  {src}:2: group_id=g1: group.members: must be a finite number (got '1e400')",
        f"  {src}:3: group_id=g2: group.members: must be a finite number (got '-1E999')"]


def test_the_printed_table_tells_a_row_not_run_from_a_group_that_never_exits(capsys, tmp_path):
    src = tmp_path / "g.csv"
    # sold at 1 taka a unit the group never covers its costs; members below 1: not run
    src.write_text("group_id,channels.tmss_retail.price,group.members\nnever,1,20\nbad,1,-1\n")
    assert main(["portfolio", str(src), "--base", BOGRA]) == 2
    header, never, bad = capsys.readouterr().out.splitlines()
    assert never.split()[:2] == ["never", "n/a"]   # exit month: none reached
    assert bad.split() == ["bad", "group.members:", "must", "be", ">=", "1", "(got", "-1)"]


def test_a_refused_port_is_named(capsys, tmp_path):
    # port 1 (tcpmux) on localhost: nothing listens, the connection is refused at once
    # (it said 'error: OSError')
    assert dask_error(capsys, tmp_path, "127.0.0.1:1") == (2, (
        "error: 1 problem(s):\n  --dask: tcp://127.0.0.1:1: nothing listens there (connection "
        "refused)" + ADVICE))


def test_a_peer_sending_other_bytes_is_not_a_scheduler(capsys, tmp_path):
    # eight 0xff bytes read as a frame of 2**64 - 1 bytes: Dask's client tried to allocate
    # it (internal error (MemoryError)); HTTP/1.0's answer starts with "HTTP/1.0" = a frame of
    # 0x302e312f50545448 bytes, over the 1 MiB a greeting may announce
    for junk in [b"\xff" * 8, b"HTTP/1.0 400 Bad request\r\n\r\n"]:
        with peer(junk) as port:
            assert dask_error(capsys, tmp_path, f"127.0.0.1:{port}") == (2, (
                f"error: 1 problem(s):\n  --dask: tcp://127.0.0.1:{port}: the port answered with "
                "bytes that are not a Dask scheduler's greeting" + ADVICE))


def test_a_silent_peer_fails_after_the_connect_timeout_and_the_process_exits(tmp_path):
    """An HTTP server accepts and waits for a request: the command waited over 60 s. In a
    process of its own, so that a thread left behind would keep it from exiting."""
    src = tmp_path / "g.csv"
    src.write_text("group_id,group.members\ng1,20\n")
    with peer(None) as port:
        done = subprocess.run([sys.executable, "-m", "engine.cli", "portfolio", str(src),
                               "--base", BOGRA, "--dask", f"127.0.0.1:{port}"],
                              capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (2, (
        f"error: 1 problem(s):\n  --dask: tcp://127.0.0.1:{port}: the port accepted the "
        "connection but sent nothing within 5 seconds: not a Dask scheduler (a web server?)"
        + ADVICE))


def test_a_real_scheduler_passes_the_check():
    from distributed import LocalCluster

    from engine.portfolio import scheduler_problem
    with LocalCluster(n_workers=0, processes=False, protocol="tcp://",
                      dashboard_address=":0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        assert scheduler_problem(cluster.scheduler_address) is None


def test_the_app_stops_a_long_file_between_chunks_and_says_how_far_it_got():
    """The app's time limit (issue #11: long computations get a limit and a message): with a
    limit of 0 seconds and chunks of 2 groups, the first chunk runs and the rest does not."""
    from ui.pages.portfolio import run_within
    base = engine.load_scenario(BOGRA)
    text = "group_id,group.members\n" + "".join(f"g{i},{20 + i}\n" for i in range(5))
    frame, bad, stopped = run_within(base, text.encode(), "groups.csv", 0.0, chunk_groups=2)
    assert stopped == 2 and bad == []
    assert list(frame.group_id) == ["g0", "g1"]
    assert frame.exit_month.iloc[1] == single(**{"group.members": 21}).exit_month
    frame, _, stopped = run_within(base, text.encode(), "groups.csv", 3600.0, chunk_groups=2)
    assert stopped is None and list(frame.group_id) == [f"g{i}" for i in range(5)]


def test_dask_streams_the_file_and_keeps_explicit_nulls(capsys, tmp_path, monkeypatch):
    """The --dask path reads the file chunk by chunk and sends each chunk's cells to the
    workers, which read them as the in-process path does: `null` sets an optional value to
    none (here: the counselling service never ends), an empty cell keeps the base's."""
    import engine.groups
    monkeypatch.setattr(engine.groups, "CHUNK_GROUPS", 2)
    text = ("group_id,services.jobs_counselling.end_month\n"
            "g1,null\ng2,\ng3,30\ng4,-1\ng1,5\n")
    code, in_process, err = run(capsys, tmp_path, text)
    code_dask, on_dask, err_dask = run(capsys, tmp_path, text, "--dask")
    assert code == code_dask == 2
    pd.testing.assert_frame_equal(in_process, on_dask)
    assert err_dask == err
    base = engine.load_scenario(BOGRA)
    never_ends = engine.project(engine.with_overrides(
        base, {"services.jobs_counselling.end_month": None})).summary
    assert never_ends["total_subsidy"] != engine.project(base).summary["total_subsidy"]
    assert float(on_dask.total_subsidy[0]) == pytest.approx(never_ends["total_subsidy"])
    assert float(on_dask.total_subsidy[1]) == pytest.approx(
        engine.project(base).summary["total_subsidy"])
    assert list(on_dask.group_id) == ["g1", "g2", "g3", "g4", "g1"]
    assert on_dask.problems[4].startswith("group_id: 'g1' repeats the group_id of line 2")
