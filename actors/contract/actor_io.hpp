// CAF glue of an embedded job (DESIGN.md, "feed it from their actors,
// receive results in their actors"): an inlet actor that host actors send
// record batches to, and an outlet that sends a job's results to a host
// actor. Both run on the host's actor system; the job itself is built with
// `environment::from_inlet` and `stream::sink_to` (operators/).
//
//   caf::actor_system_config cfg;  sluice::register_sluice(cfg);
//   caf::actor_system host{cfg};
//   auto in = sluice::make_inlet<reading>(4096);
//   auto feeder = sluice::spawn_inlet_actor(host, in);
//   sluice::environment env{host};
//   env.from_inlet(in).map(...).sink_to(sluice::actor_outlet<out_t>(consumer));
//   auto job = env.execute_async();
//   // host actors: self->request(feeder, timeout, std::vector<reading>{...})
//   //   .then([](caf::ok_atom) { /* accepted: send the next batch */ });
//   // ... then request(feeder, timeout, caf::close_atom::value): end of stream.
//   // consumer receives std::vector<out_t> batches, then end_of_stream_atom.
//
// Backpressure in: the reply to a batch is the host's credit. When the
// inlet is full the inlet actor keeps the batch and the response promise
// (FIFO) and replies once the batch is in the inlet, so a host that waits
// for replies (or bounds its outstanding requests) is slowed down to the
// job's pace and nothing is buffered beyond the inlet's capacity plus the
// host's outstanding requests. No polling: the inlet tells the actor when a
// source took records.
//
// Out: the sink sends each batch with `anon_send` (no flow control): the host
// actor must keep up, or its mailbox grows. At-least-once, like `collect`.
//
// Record types cross actor boundaries as `std::vector<T>`: T needs an
// `inspect` overload (CAF 0.17) and must be copyable.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/contract/atoms.hpp"
#include "actors/contract/error.hpp"
#include "actors/subtask/inlet.hpp"

namespace sluice {

/// The actor host code feeds an inlet through.
template <class T>
using inlet_actor = caf::typed_actor<
  /// host -> inlet actor: queue these records after those sent before;
  /// replies `ok` once they are in the inlet (later when it is full), or an
  /// error (ec::invalid_argument) after close.
  typename caf::replies_to<std::vector<T>>::template with<caf::ok_atom>,
  /// host -> inlet actor: end of stream after the batches sent before;
  /// replies `ok` once the inlet is closed, then the actor quits.
  typename caf::replies_to<caf::close_atom>::template with<caf::ok_atom>,
  /// inlet -> inlet actor (internal): a source took records.
  caf::reacts_to<room_atom>>;

/// What an outlet actor handles: batches, then one end_of_stream_atom.
/// `actor_outlet` also accepts a dynamically typed `caf::actor`.
template <class T>
using outlet_actor
  = caf::typed_actor<caf::reacts_to<std::vector<T>>, caf::reacts_to<end_of_stream_atom>>;

template <class T>
struct inlet_actor_state {
  static inline const char* name = "sluice.inlet";

  struct held {
    std::vector<T> records;
    caf::typed_response_promise<caf::ok_atom> promise;
  };

  inlet_ptr<T> in;
  /// Batches waiting for room, in arrival order.
  std::deque<held> pending;
  /// Set by close_atom while batches are still pending.
  bool closing = false;
  caf::typed_response_promise<caf::ok_atom> close_promise;

  ~inlet_actor_state() {
    if (in)
      in->set_space_listener({});
  }
};

namespace detail {

inline caf::error inlet_closed_error() {
  return make_error(ec::invalid_argument, "the inlet is closed: no records after close");
}

/// Pushes held batches in order until one does not fit; finishes a pending
/// close once nothing is held.
template <class T, class Self>
void drain_pending(Self* self) {
  auto& st = self->state;
  while (!st.pending.empty()) {
    auto& h = st.pending.front();
    auto r = st.in->push(h.records);
    if (r == inlet<T>::push_result::full)
      return; // the space listener sends room_atom after the next pop
    if (r == inlet<T>::push_result::accepted)
      h.promise.deliver(caf::ok_atom::value);
    else
      h.promise.deliver(inlet_closed_error());
    st.pending.pop_front();
  }
  if (st.closing) {
    st.in->close();
    st.closing = false;
    st.close_promise.deliver(caf::ok_atom::value);
    self->quit();
  }
}

} // namespace detail

/// Behavior of the inlet actor (spawn it with `spawn_inlet_actor`).
template <class T>
typename inlet_actor<T>::behavior_type
inlet_actor_impl(typename inlet_actor<T>::template stateful_pointer<inlet_actor_state<T>> self,
                 inlet_ptr<T> in) {
  self->state.in = in;
  // Weak handle: the inlet must not keep the actor alive.
  auto addr = caf::actor_cast<caf::actor_addr>(self);
  in->set_space_listener([addr] {
    if (auto hdl = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(hdl, room_atom::value);
  });
  using result_t = caf::result<caf::ok_atom>;
  return {
    [self](std::vector<T>& xs) -> result_t {
      auto& st = self->state;
      if (st.closing)
        return detail::inlet_closed_error();
      if (st.pending.empty()) {
        switch (st.in->push(xs)) {
          case inlet<T>::push_result::accepted:
            return caf::ok_atom::value;
          case inlet<T>::push_result::closed:
            return detail::inlet_closed_error();
          case inlet<T>::push_result::full:
            break;
        }
      }
      auto promise = self->template make_response_promise<caf::ok_atom>();
      st.pending.push_back({std::move(xs), promise});
      return promise;
    },
    [self](caf::close_atom) -> result_t {
      auto& st = self->state;
      if (st.pending.empty()) {
        st.in->close();
        self->quit();
        return caf::ok_atom::value;
      }
      if (st.closing)
        return detail::inlet_closed_error();
      st.closing = true;
      st.close_promise = self->template make_response_promise<caf::ok_atom>();
      return st.close_promise;
    },
    [self](room_atom) { detail::drain_pending<T>(self); },
  };
}

/// Spawns an inlet actor on `sys` (usually the host's system) feeding `in`.
/// The actor quits after `close_atom`; until then, keep a handle to it (or
/// it quits once no handle is left, without closing the inlet).
template <class T>
inlet_actor<T> spawn_inlet_actor(caf::actor_system& sys, inlet_ptr<T> in) {
  return sys.spawn(inlet_actor_impl<T>, std::move(in));
}

/// An outlet for `stream::sink_to` sending each batch to `host` as
/// `std::vector<T>` and, when the job finished, one `end_of_stream_atom`.
/// `Handle`: `caf::actor` or `outlet_actor<T>`. The outlet (in the job
/// graph) holds a strong reference to `host` until the job is gone.
template <class T, class Handle>
outlet<T> actor_outlet(Handle host) {
  auto hdl = caf::actor_cast<caf::actor>(std::move(host));
  return outlet<T>{
    [hdl](std::vector<T> xs) { caf::anon_send(hdl, std::move(xs)); },
    [hdl] { caf::anon_send(hdl, end_of_stream_atom::value); },
  };
}

} // namespace sluice
