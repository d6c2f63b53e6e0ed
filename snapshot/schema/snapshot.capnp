# sluice snapshot file bodies, format version 1.
#
# Every snapshot file (`_metadata` and state files) starts with a small raw
# header (magic, format version, file kind, body length, CRC32C of the body,
# CRC32C of the header; layout in snapshot/snapshot_format.hpp, written by
# snapshot/snapshot_file.cpp, not part of this schema), followed by one or
# more Cap'n Proto messages in standard framing: `_metadata` holds one
# CheckpointMetadata, a state file one StateFileChunk per message. Large
# state is split into several chunks to stay far below the reader's
# traversal limit. Evolve only compatibly: add fields with new ordinals at
# the end, never renumber, retype or remove; bump formatVersion (and
# snapshot_format::current_version) for incompatible changes.
@0xffe386b158207a54;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("sluice::schema");

const formatVersion :UInt32 = 1;

# One key's entry in one state. `key` holds the key bytes from key_codec
# (see snapshot/key_groups.hpp); `value` the serialized value.
#
# `deleted` marks a tombstone: the key was removed since the checkpoint the
# file builds on (incremental checkpoints write only what changed; restore
# applies the base file and then each delta file in order, and a tombstone
# removes the key). A tombstone has an empty `value`; a reader refuses one
# with a value as a corrupt file. Added after format version 1 shipped,
# compatibly: files written before it read as deleted = false, and a full
# (non-incremental) state file never holds a tombstone.
struct Entry {
  key @0 :Data;
  value @1 :Data;
  deleted @2 :Bool;
}

# All entries (and tombstones) of one state in one key group, in the order
# they were written.
struct KeyGroup {
  id @0 :UInt32;
  entries @1 :List(Entry);
}

enum StateKind {
  value @0;
  list @1;
  map @2;
}

# One named keyed state of an operator. `typeFingerprint` identifies the
# value type and its serializer; a restore with another fingerprint fails
# with state_type_mismatch.
struct StateSection {
  name @0 :Text;
  typeFingerprint @1 :UInt64;
  keyGroups @2 :List(KeyGroup);
  kind @3 :StateKind;
}

# A piece of the keyed state of one subtask of one operator. The key groups
# of one state are spread over the chunks of a file; a large key group may
# continue in the next chunk (the same id appears again), so a reader
# collects entries per (state, key group) over all chunks. Every chunk of a
# file repeats the same operatorUid, subtask, maxParallelism and key group
# range; `sections` may be empty.
struct KeyedStateChunk {
  operatorUid @0 :Text;
  subtask @1 :UInt32;
  sections @2 :List(StateSection);
  maxParallelism @3 :UInt32;
  # The key groups the subtask owned when it wrote the chunk (inclusive).
  keyGroupFirst @4 :UInt32;
  keyGroupLast @5 :UInt32;
}

# Operator (non-keyed) list state: items are redistributed on rescale.
struct OperatorListState {
  name @0 :Text;
  items @1 :List(Data);
}

enum ChannelDirection {
  input @0;
  output @1;
}

# In-flight batches of one channel persisted by an unaligned checkpoint:
# input queues and batches that arrived before the channel's barrier
# (direction input), unsent output queues (direction output). Each batch is
# the serialized records of one batch; `seq` is the sequence number of the
# first batch, the others follow without gaps. A channel's batches may
# continue in a later ChannelState (next chunk) with the following seq.
struct ChannelState {
  channel @0 :UInt32;
  seq @1 :UInt64;
  batches @2 :List(Data);
  direction @3 :ChannelDirection;
}

# One message of a state file. A state file holds the state of one subtask
# of one operator in one checkpoint: keyed state (by state, by key group),
# operator list state and channel state, each its own section, each spread
# over as many chunks as needed.
struct StateFileChunk {
  keyed @0 :KeyedStateChunk;
  operatorStates @1 :List(OperatorListState);
  channelStates @2 :List(ChannelState);
}

# --- _metadata ---------------------------------------------------------------

# Where one piece of a subtask's state lives.
struct StateHandle {
  union {
    # A state file, relative to the checkpoint directory (`chk-<n>/`), in
    # '/'-separated form: "op-uid-3.state", or "../shared/..." for files a
    # later issue shares between checkpoints.
    path @0 :Text;
    # The state file's complete image (memory storage, small state).
    inlineBytes @1 :Data;
  }
  # Bytes of the file (or of inlineBytes).
  size @2 :UInt64;
  # Key groups covered (inclusive); first > last for a file without keyed
  # state. Restore at another parallelism picks the handles overlapping its
  # new range and filters by key group.
  keyGroupFirst @3 :UInt32;
  keyGroupLast @4 :UInt32;
}

struct SubtaskSnapshot {
  index @0 :UInt32;
  handles @1 :List(StateHandle);
}

struct OperatorSnapshot {
  uid @0 :Text;
  parallelism @1 :UInt32;
  maxParallelism @2 :UInt32;
  # Subtasks with state (a subtask without state may be missing).
  subtasks @3 :List(SubtaskSnapshot);
}

# The root of `_metadata`: everything a restore needs to find every file of
# a completed checkpoint or savepoint.
struct CheckpointMetadata {
  jobId @0 :Text;
  checkpointId @1 :UInt64;
  # Trigger time, milliseconds since the Unix epoch.
  timestampMillis @2 :Int64;
  isSavepoint @3 :Bool;
  operators @4 :List(OperatorSnapshot);
}
