// Exactly-once sinks by two-phase commit (Flink's TwoPhaseCommitSinkFunction,
// DESIGN.md invariant 3).
//
// A subclass talks to an external system through transactions of its own
// handle type TXN (a small value: ids, sizes; copyable, default-constructible
// and CAF-inspectable, because it is stored in the sink's operator list
// state) and implements five hooks:
//
//   begin_transaction(ctx)  start a transaction; `ctx.id` is a name derived
//                           from job, operator uid, subtask and a per-subtask
//                           sequence number ("<job>.<uid>-<subtask>-<seq>").
//   invoke(txn, x)          write one record into the transaction (or
//                           invoke_batch for a whole batch).
//   pre_commit(txn)         make the written data durable but still invisible
//                           (flush + fsync). After it returns the transaction
//                           takes no more data. Called in snapshot_state, i.e.
//                           at barrier n, before the subtask acknowledges n.
//   commit(txn)             make the data visible. Must be idempotent: it is
//                           called again for a transaction that was already
//                           committed when a restored checkpoint still lists
//                           it as pending. It may be called on another
//                           instance (another attempt, or another subtask
//                           after a rescale) than the one that began it.
//   abort(txn)              discard the transaction's data; harmless when
//                           nothing was written or it is already gone.
//
// What the base does (Flink's algorithm):
// - open: recovery (below), then begins the first transaction.
// - process: writes every record into the current transaction.
// - snapshot_state(n): pre-commits the current transaction, keeps it as
//   pending under checkpoint n, begins a new one, and stores (pending
//   transactions, current transaction, sequence high-water marks) as one
//   item of list state "2pc-state".
// - notify_checkpoint_complete(n): commits every pending transaction of a
//   checkpoint <= n, in checkpoint order, removing each after its commit
//   returned (a throwing commit fails the job; the restore retries it). An
//   aborted checkpoint changes nothing: its pending transaction is committed
//   with the next completed checkpoint, whose state still lists it.
// - close (end of input): no new transaction is begun after the next
//   snapshot; the final checkpoint (FLIP-147: the subtask waits for it after
//   close) pre-commits and then commits the last one. Without checkpointing
//   nothing is ever committed: output becomes visible only through completed
//   checkpoints.
// - Recovery in open, from the restored "2pc-state" (union_list: every
//   subtask sees the items of all old subtasks; old subtask j's item is
//   handled by new subtask j % parallelism, so a rescale neither loses nor
//   double-handles a transaction): recover_and_commit each of its pending
//   transactions (all belong to the restored checkpoint or earlier, so all
//   are committed), recover_and_abort the transaction that was current at
//   the snapshot, then clean_up_leftovers for its own subtask index and the
//   old indices it handles: transactions begun after the restored checkpoint
//   appear in no state, so the subclass finds them by their id prefix
//   (`transaction_id_prefix`). A fresh start cleans up its own prefix too.
// - Sequence numbers: the next one is the largest high-water mark any
//   restored item holds for the subtask, or `first_free_sequence` if larger
//   (the subclass may scan the external system, so that no id is ever used
//   twice; without that, the id of a cleaned-up leftover may come again).
//
// Threading: every hook runs on the hosting subtask's thread, one at a time.
// Hooks may block on I/O (pre-commit's fsync runs at the barrier, as in
// Flink). Errors: hooks throw sluice::exception (ec::io_error, ...), which
// fails the job; the restart recovers from the latest completed checkpoint.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/contract/operator.hpp"
#include "snapshot/state_codec.hpp"

namespace sluice {

/// `name` with every character outside [A-Za-z0-9_] replaced by '_', cut to
/// 64 characters ("sink" for an empty name): a safe part of a file name.
std::string sanitize_id_part(const std::string& name);

/// "<job>.<uid>-<subtask>-", the prefix of every transaction id of that
/// subtask of the sink (job and uid sanitized; two sinks must not have uids
/// that sanitize alike). No prefix of another subtask's or sink's prefix.
std::string transaction_id_prefix(const subtask_info& info, uint32_t subtask);

/// Prefix followed by `sequence` zero-padded to 10 digits.
std::string transaction_id(const subtask_info& info, uint32_t subtask, uint64_t sequence);

/// The sequence number of `name` if it is `prefix` + digits (nothing else).
std::optional<uint64_t> parse_transaction_sequence(const std::string& name,
                                                   const std::string& prefix);

/// What begin_transaction learns about the transaction it begins.
struct transaction_context {
  const subtask_info& info;
  /// `transaction_id(info, info.subtask_index, sequence)`.
  std::string id;
  uint64_t sequence = 0;
  /// The checkpoint this transaction follows (0: none); its data is
  /// pre-committed at the next barrier.
  uint64_t after_checkpoint = 0;
};

/// A pending (pre-committed, not yet committed) transaction.
template <class TXN>
struct pending_transaction {
  uint64_t checkpoint_id = 0;
  TXN txn;
};

template <class Inspector, class TXN>
typename Inspector::result_type inspect(Inspector& f, pending_transaction<TXN>& x) {
  return f(caf::meta::type_name("pending_transaction"), x.checkpoint_id, x.txn);
}

/// One subtask's item of list state "2pc-state".
template <class TXN>
struct two_phase_commit_state {
  uint8_t version = 1;
  uint32_t subtask = 0;
  /// Next unused sequence number per subtask index whose prefix this
  /// subtask used or cleaned up.
  std::map<uint32_t, uint64_t> next_sequence;
  std::vector<pending_transaction<TXN>> pending;
  std::optional<TXN> current;
};

template <class Inspector, class TXN>
typename Inspector::result_type inspect(Inspector& f, two_phase_commit_state<TXN>& x) {
  return f(caf::meta::type_name("two_phase_commit_state"), x.version, x.subtask,
           x.next_sequence, x.pending, x.current);
}

template <class IN, class TXN>
class two_phase_commit_sink : public stream_operator {
public:
  static constexpr const char* state_name = "2pc-state";

  void initialize_state(const initialization_context& ctx) final {
    restored_checkpoint_ = ctx.restored_checkpoint_id;
    restored_items_ = ctx.restored_list(state_name);
  }

  void open(operator_context& ctx) final {
    info_ = ctx.info();
    recover();
    current_ = begin(restored_checkpoint_);
  }

  void process(const batch_ptr& in, operator_context& ctx) final {
    if (!current_)
      ctx.fail(info_.display_name() + ": record after end of input");
    invoke_batch(*current_, records_of<IN>(*in));
  }

  void snapshot_state(const snapshot_context& ctx) final {
    if (current_) {
      pre_commit(*current_);
      if (!pending_.empty() && pending_.rbegin()->first >= ctx.checkpoint_id)
        throw exception(ec::invalid_argument,
                        info_.display_name() + ": checkpoint " + std::to_string(ctx.checkpoint_id)
                          + " is not newer than pending checkpoint "
                          + std::to_string(pending_.rbegin()->first));
      pending_.emplace(ctx.checkpoint_id, std::move(*current_));
      current_.reset();
      if (!finished_)
        current_ = begin(ctx.checkpoint_id);
    }
    two_phase_commit_state<TXN> s;
    s.subtask = info_.subtask_index;
    s.next_sequence = high_water_;
    for (auto& [id, txn] : pending_)
      s.pending.push_back(pending_transaction<TXN>{id, txn});
    s.current = current_;
    std::string bytes;
    encode_value(s, bytes);
    ctx.add_list_item(state_name, std::move(bytes));
  }

  void notify_checkpoint_complete(uint64_t checkpoint_id) final {
    while (!pending_.empty() && pending_.begin()->first <= checkpoint_id) {
      commit(pending_.begin()->second);
      pending_.erase(pending_.begin());
    }
  }

  void notify_checkpoint_aborted(uint64_t) final {
    // Nothing: the pending transaction waits for the next completed one.
  }

  void close(operator_context&) final {
    finished_ = true;
  }

  operator_state_modes list_state_modes() const final {
    return {{state_name, operator_state_mode::union_list}};
  }

  /// The transaction records go into (nullopt after the snapshot that
  /// followed end of input).
  const std::optional<TXN>& current_transaction() const noexcept {
    return current_;
  }

  /// Pre-committed transactions waiting for their checkpoint, by id.
  const std::map<uint64_t, TXN>& pending_transactions() const noexcept {
    return pending_;
  }

protected:
  virtual TXN begin_transaction(const transaction_context& ctx) = 0;
  virtual void invoke(TXN& txn, const IN& x) = 0;
  virtual void pre_commit(TXN& txn) = 0;
  virtual void commit(const TXN& txn) = 0;
  virtual void abort(const TXN& txn) = 0;

  /// Writes a whole batch (override to avoid a virtual call per record).
  virtual void invoke_batch(TXN& txn, const std::vector<IN>& xs) {
    for (auto& x : xs)
      invoke(txn, x);
  }

  /// Commit of a transaction listed as pending in the restored state.
  virtual void recover_and_commit(const TXN& txn) {
    commit(txn);
  }

  /// Abort of the transaction that was current in the restored state.
  virtual void recover_and_abort(const TXN& txn) {
    abort(txn);
  }

  /// Removes what transactions with ids starting with
  /// `transaction_id_prefix(info, j)` left behind, for each j in
  /// `subtasks` (this subtask's index first), except the restored ones,
  /// which were committed or aborted just before. Nothing of those
  /// subtasks runs concurrently.
  virtual void clean_up_leftovers(const subtask_info& info,
                                  const std::vector<uint32_t>& subtasks) {
    (void) info;
    (void) subtasks;
  }

  /// The lowest sequence number this subtask may use, e.g. one above every
  /// id found in the target (called once in open, after the restored
  /// transactions were committed and aborted, before clean_up_leftovers).
  virtual uint64_t first_free_sequence(const subtask_info& info) {
    (void) info;
    return 0;
  }

  const subtask_info& info() const noexcept {
    return info_;
  }

private:
  void recover() {
    auto me = info_.subtask_index;
    auto p = std::max<uint32_t>(info_.parallelism, 1);
    std::vector<two_phase_commit_state<TXN>> items;
    for (auto& bytes : restored_items_) {
      auto s = decode_value<two_phase_commit_state<TXN>>(bytes, info_.display_name() + " "
                                                                  + state_name);
      if (s.version != 1)
        throw exception(ec::corrupt_file, info_.display_name() + " " + state_name
                                            + ": unknown version "
                                            + std::to_string(s.version));
      items.push_back(std::move(s));
    }
    restored_items_.clear();
    std::sort(items.begin(), items.end(),
              [](auto& a, auto& b) { return a.subtask < b.subtask; });
    std::vector<uint32_t> handled{me};
    for (auto& s : items) {
      for (auto& [j, next] : s.next_sequence)
        if (j % p == me)
          bump(j, next);
      if (s.subtask % p != me)
        continue;
      for (auto& x : s.pending)
        recover_and_commit(x.txn);
      if (s.current)
        recover_and_abort(*s.current);
      if (std::find(handled.begin(), handled.end(), s.subtask) == handled.end())
        handled.push_back(s.subtask);
    }
    for (auto& [j, next] : high_water_)
      if (std::find(handled.begin(), handled.end(), j) == handled.end())
        handled.push_back(j);
    bump(me, first_free_sequence(info_)); // before the cleanup: above leftovers too
    clean_up_leftovers(info_, handled);
  }

  void bump(uint32_t subtask, uint64_t next) {
    auto& x = high_water_[subtask];
    x = std::max(x, next);
  }

  TXN begin(uint64_t after_checkpoint) {
    auto& next = high_water_[info_.subtask_index];
    transaction_context ctx{info_, transaction_id(info_, info_.subtask_index, next), next,
                            after_checkpoint};
    auto txn = begin_transaction(ctx);
    ++next;
    return txn;
  }

  subtask_info info_;
  uint64_t restored_checkpoint_ = 0;
  std::vector<std::string> restored_items_;
  bool finished_ = false;
  std::optional<TXN> current_;
  std::map<uint64_t, TXN> pending_;
  std::map<uint32_t, uint64_t> high_water_;
};

} // namespace sluice
