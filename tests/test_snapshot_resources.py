"""`snapshot` shows memory, swap and the watched disks too (interface.md section 4)."""

from __future__ import annotations

import json
import os
import shutil

from replay_support import run_ttalertd, scenario


def test_snapshot_json_has_memory_swap_and_disks_after_the_first_keys(tmp_path):
    result = run_ttalertd("snapshot", "--json", "--replay", scenario("memory-incident"),
                          cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == ["load", "users", "top", "memory", "swap", "disks"]
    assert doc["memory"] == {"total_kib": 4_000_000, "available_kib": 320_000}
    assert doc["swap"] == {"total_kib": 2_000_000, "free_kib": 1_800_000}
    assert doc["disks"] == [
        {"mountpoint": "/", "device": "/dev/vda1", "fstype": "ext4",
         "total_bytes": 40_960_000_000, "available_bytes": 20_480_000_000, "free_percent": 50.0},
        {"mountpoint": "/var", "device": "/dev/vda2", "fstype": "ext4",
         "total_bytes": 42_949_672_960, "available_bytes": 17_179_869_184, "free_percent": 40.0}]


def test_snapshot_table_shows_them(tmp_path):
    result = run_ttalertd("snapshot", "--replay", scenario("memory-incident"), cwd=str(tmp_path))
    assert "memory: 8% available (312.5 MiB of 3.8 GiB)" in result.stdout
    assert "swap: 10% used" in result.stdout
    assert "/var" in result.stdout and "40.0% free" in result.stdout


def test_unreadable_meminfo_is_null_and_the_rest_is_shown(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(os.path.join(scenario("memory-incident"), "1"), root)
    os.remove(root / "proc" / "meminfo")
    result = run_ttalertd("snapshot", "--json", "--root", str(root), cwd=str(tmp_path))
    doc = json.loads(result.stdout)
    assert (doc["memory"], doc["swap"]) == (None, None)
    assert [d["mountpoint"] for d in doc["disks"]] == ["/", "/var"] and doc["load"] is not None


def test_disks_are_null_where_the_mount_table_or_statvfs_cannot_be_read(tmp_path):
    # interface.md section 4: memory, swap and disks are null where unreadable, the rest shown
    root = tmp_path / "root"
    shutil.copytree(os.path.join(scenario("memory-incident"), "1"), root)
    (root / "statvfs.json").write_text("{bad")
    damaged = run_ttalertd("snapshot", "--json", "--root", str(root), cwd=str(tmp_path))
    assert damaged.returncode == 0, damaged.stderr
    doc = json.loads(damaged.stdout)
    assert doc["disks"] is None and doc["memory"] is not None and doc["load"] is not None
    os.remove(root / "proc" / "self" / "mounts")
    missing = run_ttalertd("snapshot", "--json", "--root", str(root), cwd=str(tmp_path))
    assert json.loads(missing.stdout)["disks"] is None
    table = run_ttalertd("snapshot", "--root", str(root), cwd=str(tmp_path))
    assert "disks: unreadable" in table.stdout
