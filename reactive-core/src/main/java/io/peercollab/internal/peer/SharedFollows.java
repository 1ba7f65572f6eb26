// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.ObjectChange;
import io.peercollab.PeerEvent;
import io.peercollab.PresenceChange;
import io.peercollab.identity.PeerName;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The follow streams of one endpoint: one remote stream per followed peer, shared by every local subscriber of
 * {@link RemotePeer#events()} for that peer. The first subscriber opens it, the last one to cancel closes it; each
 * remote event is decoded once, and the {@link RemotePeer.Mirror} that turns the stream into events runs once, its
 * events handed to every subscriber.
 *
 * <p>A subscriber that joins a stream already in sync gets the mirror's current state first ({@code ADDED} events,
 * then {@code Synced}), as its own stream would have; one that joins while the stream is connecting, reconnecting or
 * lost waits for the stream's next {@code Synced} and then gets the whole state the same way. A terminal signal of
 * the shared stream (an error that is not retried, or a peer that ends it) reaches every subscriber after what was
 * queued for it; the next subscriber opens a new stream.
 *
 * <p>Overflow: each subscriber has its own queue, so that a slow one never holds back the others or the remote
 * stream; once a queue holds {@value #MERGE_AT} events, its events are merged per item (presence, each application,
 * each object: intermediate changes of one item merged into one, the latest value kept; an item added and removed
 * meanwhile dropped) and followed by {@code Synced}, as if it had resumed; this bounds it by the size of the
 * followed state, and the subscriber still reaches the latest state. No subscriber code runs under a lock.
 */
final class SharedFollows {

	/** How many events a subscriber's queue holds before they are merged per item. */
	static final int MERGE_AT = 1_024;

	/** What the shared streams are keyed by: the same name reached the same way. */
	record Key(PeerName name, Object where) {
	}

	private final Map<Key, Shared> streams = new ConcurrentHashMap<>();

	/** @return the events of {@code peer}, through the stream shared with every other subscriber of its key */
	Flux<PeerEvent> events(Key key, RemotePeer peer) {
		return new Flux<PeerEvent>() {
			@Override
			public void subscribe(CoreSubscriber<? super PeerEvent> actual) {
				Follower f = new Follower(actual, peer);
				actual.onSubscribe(f);
				for (;;) {
					Shared s = streams.computeIfAbsent(key, k -> new Shared(k, peer));
					int joined = s.join(f);
					if (joined == Shared.CLOSED) {
						streams.remove(key, s);
						continue;
					}
					if (joined == Shared.FIRST) {
						s.start();
					}
					break;
				}
				f.drain();
			}
		};
	}

	/** One remote stream and its local subscribers. */
	final class Shared {

		static final int CLOSED = 0;
		static final int JOINED = 1;
		static final int FIRST = 2;

		private final Key key;
		private final RemotePeer peer;
		private final RemotePeer.Mirror mirror = new RemotePeer.Mirror();
		// guarded by the mirror
		private final List<Follower> followers = new ArrayList<>();
		private boolean started;
		private boolean closed;
		private Disposable upstream;
		/** The followers to drain after each event, copied on join and leave. */
		private volatile Follower[] draining = new Follower[0];

		Shared(Key key, RemotePeer peer) {
			this.key = key;
			this.peer = peer;
		}

		/** @return {@link #FIRST} if {@code f} opens the stream, {@link #CLOSED} if it is closed already */
		int join(Follower f) {
			synchronized (mirror) {
				return joinLocked(f);
			}
		}

		private int joinLocked(Follower f) {
			if (closed) {
				return CLOSED;
			}
			f.shared = this;
			if (f.cancelled) {
				if (followers.isEmpty() && !started) {
					closed = true;
					streams.remove(key, this);
				}
				return JOINED;
			}
			followers.add(f);
			draining = followers.toArray(new Follower[0]);
			if (mirror.live()) {
				f.prime(mirror.state(), mirror.version);
			}
			if (!started) {
				started = true;
				return FIRST;
			}
			return JOINED;
		}

		void start() {
			Disposable d = peer.follow(mirror, this::accept).subscribe(e -> drainAll(), this::terminate,
					() -> terminate(null));
			boolean dispose;
			synchronized (mirror) {
				dispose = closed;
				if (!closed) {
					upstream = d;
				}
			}
			if (dispose) {
				d.dispose();
			}
		}

		/** Runs the mirror on one item of the remote stream and queues what it emits for every follower. */
		private void accept(Object x, java.util.function.Consumer<? super PeerEvent> out) {
			long now = peer.now();
			synchronized (mirror) {
				mirror.accept(x, now, e -> {
					for (Follower f : followers) {
						f.offer(e, mirror);
					}
					out.accept(e);
				});
			}
		}

		private void drainAll() {
			for (Follower f : draining) {
				f.drain();
			}
		}

		void leave(Follower f) {
			Disposable d;
			synchronized (mirror) {
				if (!followers.remove(f)) {
					return;
				}
				draining = followers.toArray(new Follower[0]);
				if (!followers.isEmpty() || closed) {
					return;
				}
				closed = true;
				streams.remove(key, this);
				d = upstream;
				upstream = null;
			}
			if (d != null) {
				d.dispose();
			}
		}

		private void terminate(Throwable error) {
			Follower[] all;
			synchronized (mirror) {
				closed = true;
				streams.remove(key, this);
				upstream = null;
				all = followers.toArray(new Follower[0]);
				followers.clear();
				draining = new Follower[0];
			}
			for (Follower f : all) {
				f.terminate(error);
			}
		}
	}

	/** One local subscriber: its own queue and demand. */
	static final class Follower implements Subscription {

		static final AtomicIntegerFieldUpdater<Follower> WIP = AtomicIntegerFieldUpdater.newUpdater(Follower.class,
				"wip");
		static final AtomicLongFieldUpdater<Follower> REQUESTED = AtomicLongFieldUpdater.newUpdater(Follower.class,
				"requested");

		private final CoreSubscriber<? super PeerEvent> actual;
		private final RemotePeer peer;
		/** Guarded by itself; written under the shared stream's lock. */
		private final ArrayDeque<PeerEvent> queue = new ArrayDeque<>();
		/** Under the shared stream's lock: whether this follower has its start state and gets every change. */
		private boolean primed;
		/** Under the queue's lock. */
		private int mergeAt = MERGE_AT;
		volatile Shared shared;
		volatile boolean cancelled;
		private volatile boolean done;
		private Throwable error;
		private volatile int wip;
		private volatile long requested;
		// drain loop only
		private long emitted;

		Follower(CoreSubscriber<? super PeerEvent> actual, RemotePeer peer) {
			this.actual = actual;
			this.peer = peer;
		}

		/** Under the shared stream's lock: the stream is in sync, this follower starts from its whole state. */
		void prime(List<PeerEvent> state, long version) {
			primed = true;
			peer.markVerified();
			synchronized (queue) {
				queue.addAll(state);
				queue.add(new PeerEvent.Synced(version));
			}
		}

		/** Under the shared stream's lock: an event of the mirror, whose state includes it already. */
		void offer(PeerEvent e, RemotePeer.Mirror mirror) {
			if (!primed) {
				// a follower that joined out of sync starts with the whole state at the next Synced
				if (e instanceof PeerEvent.Synced s) {
					prime(mirror.state(), s.version());
				}
				return;
			}
			if (e instanceof PeerEvent.Synced) {
				peer.markVerified();
			}
			synchronized (queue) {
				queue.add(e);
				if (queue.size() >= mergeAt) {
					merge(queue);
					mergeAt = Math.max(MERGE_AT, 2 * queue.size());
				}
			}
		}

		void terminate(Throwable t) {
			error = t;
			done = true;
			drain();
		}

		@Override
		public void request(long n) {
			if (Operators.validate(n)) {
				Operators.addCap(REQUESTED, this, n);
				drain();
			}
		}

		@Override
		public void cancel() {
			if (cancelled) {
				return;
			}
			cancelled = true;
			Shared s = shared;
			if (s != null) {
				s.leave(this);
			}
			if (WIP.getAndIncrement(this) == 0) {
				clear();
			}
		}

		private void clear() {
			synchronized (queue) {
				queue.clear();
			}
		}

		private boolean isEmpty() {
			synchronized (queue) {
				return queue.isEmpty();
			}
		}

		void drain() {
			if (WIP.getAndIncrement(this) != 0) {
				return;
			}
			int missed = 1;
			for (;;) {
				long r = requested;
				long e = emitted;
				for (;;) {
					if (cancelled) {
						clear();
						return;
					}
					boolean d = done;
					PeerEvent next = null;
					if (e != r) {
						synchronized (queue) {
							next = queue.poll();
						}
					}
					else if (!d || !isEmpty()) {
						break;
					}
					if (next == null) {
						if (d) {
							cancelled = true;
							if (error != null) {
								actual.onError(error);
							}
							else {
								actual.onComplete();
							}
							return;
						}
						break;
					}
					actual.onNext(next);
					e++;
				}
				emitted = e;
				missed = WIP.addAndGet(this, -missed);
				if (missed == 0) {
					return;
				}
			}
		}
	}

	/** The identity of an item across its changes, for merging. */
	private record Item(int kind, UUID id) {
		static final Item PRESENCE = new Item(0, null);
	}

	/**
	 * Merges the events of a queue per item, in place: one event per item (its latest value, or REMOVED), added and
	 * removed meanwhile dropped, then {@code Synced} at the latest version, as after a resume.
	 */
	static void merge(ArrayDeque<PeerEvent> queue) {
		Map<Item, ChangeType> first = new HashMap<>();
		Map<Item, PeerEvent> last = new LinkedHashMap<>();
		long synced = Long.MIN_VALUE;
		long version = Long.MIN_VALUE;
		for (PeerEvent e : queue) {
			version = Math.max(version, e.version());
			Item item;
			ChangeType type;
			if (e instanceof PeerEvent.Synced s) {
				synced = s.version();
				continue;
			}
			else if (e instanceof PresenceChange p) {
				item = Item.PRESENCE;
				type = p.type();
			}
			else if (e instanceof ApplicationChange a) {
				item = new Item(1, a.application().id());
				type = a.type();
			}
			else {
				ObjectChange o = (ObjectChange) e;
				item = new Item(2, o.object().id());
				type = o.type();
			}
			first.putIfAbsent(item, type);
			last.put(item, e);
		}
		queue.clear();
		for (Map.Entry<Item, PeerEvent> en : last.entrySet()) {
			ChangeType from = first.get(en.getKey());
			PeerEvent e = en.getValue();
			ChangeType to = PeerEvents.type(e);
			ChangeType merged;
			if (from == ChangeType.ADDED) {
				if (to == ChangeType.REMOVED) {
					continue;
				}
				merged = ChangeType.ADDED;
			}
			else {
				merged = to == ChangeType.REMOVED ? ChangeType.REMOVED : ChangeType.UPDATED;
			}
			queue.add(merged == to ? e : PeerEvents.retype(e, merged));
		}
		// as after a resume: what came before is the state at this version
		queue.add(new PeerEvent.Synced(Math.max(synced, version)));
	}
}
