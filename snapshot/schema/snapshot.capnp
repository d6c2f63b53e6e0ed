# sluice snapshot file bodies, format version 1.
#
# Each state file starts with a small raw header (magic, format version,
# length, CRC32C; written by the snapshot writer, not part of this schema),
# followed by one or more Cap'n Proto messages. Large state is split into
# several messages (KeyedStateChunk) to stay below the reader's traversal
# limit. Evolve only compatibly: add fields with new ordinals at the end,
# never renumber, retype or remove; bump formatVersion for incompatible
# changes.
@0xffe386b158207a54;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("sluice::schema");

const formatVersion :UInt32 = 1;

# One key's entry in one state. `key` holds the key bytes from key_codec
# (see snapshot/key_groups.hpp); `value` the serialized value.
struct Entry {
  key @0 :Data;
  value @1 :Data;
}

# All entries of one state in one key group.
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

# A piece of the keyed state of one subtask of one operator. Key groups of
# one state may be spread over several chunks, each key group in one chunk.
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

# In-flight batches of one input channel persisted by an unaligned
# checkpoint; `seq` is the sequence number of the first batch.
struct ChannelState {
  channel @0 :UInt32;
  seq @1 :UInt64;
  batches @2 :List(Data);
}
