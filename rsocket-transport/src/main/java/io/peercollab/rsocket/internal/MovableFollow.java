// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BiFunction;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import reactor.core.publisher.Flux;

/**
 * One follow ({@code peercollab.v1.events}) that moves from one connection to another mid-stream with no gap and no
 * repeat: on a move it follows again on the new connection from the last version it delivered, and the old stream is
 * cancelled. The server answers such a follow with either only {@code synced} (nothing changed) or its whole state as
 * {@code ADDED} at its current version, then {@code synced}; this class compares that state with what it delivered
 * and passes on only the difference ({@code ADDED}, {@code UPDATED}, {@code REMOVED} at that version), never a second
 * {@code synced}, then the changes after it.
 *
 * <p>Its state (presence, applications and objects delivered) is what the follower already holds, so it is bounded by
 * what the server may show (the server's own limits); what a re-follow's snapshot holds is released at its
 * {@code synced}.
 */
final class MovableFollow {

	private final long after;
	private volatile long last;
	private boolean synced;
	private PresenceInfo presence;
	private final Map<UUID, PeerApplication> applications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();

	// the re-follow whose snapshot is being collected, until its synced
	private int collecting = -1;
	private PresenceInfo snapPresence;
	private final Map<UUID, PeerApplication> snapApplications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> snapObjects = new LinkedHashMap<>();
	/** Changes below this version are already delivered (the version of the last re-follow's snapshot). */
	private long floor = Long.MIN_VALUE;

	private record Tagged(int generation, PeerEvent event) {
	}

	/** @param after the version the follower asked to follow after */
	MovableFollow(long after) {
		this.after = after;
		this.last = after;
	}

	/**
	 * @param connections the connection to follow on, then each one the follow moves to
	 * @param events opens the events stream on a connection, after a version
	 * @return the events, each once, across the moves
	 */
	<C> Flux<PeerEvent> follow(Flux<C> connections, BiFunction<C, Long, Flux<PeerEvent>> events) {
		int[] generation = {0};
		return connections.switchMap(c -> {
			int g = generation[0]++;
			long from = g == 0 ? after : last;
			refollowFrom = from;
			return events.apply(c, from).map(e -> new Tagged(g, e));
		}).concatMapIterable(this::accept);
	}

	/** Serialized (after the switch): what to deliver of one event. */
	private List<PeerEvent> accept(Tagged t) {
		PeerEvent e = t.event();
		if (t.generation() == 0) {
			apply(e);
			return List.of(e);
		}
		if (t.generation() > done && t.generation() != collecting) {
			// the first event of a re-follow: its snapshot (or only its synced) comes first
			collecting = t.generation();
			snapPresence = null;
			snapApplications.clear();
			snapObjects.clear();
		}
		if (collecting == t.generation()) {
			if (e instanceof PeerEvent.Synced s) {
				done = collecting;
				collecting = -1;
				// only synced, at the version followed from: nothing changed (the server sends no snapshot then)
				List<PeerEvent> diff = snapshotEvents == 0 && s.version() == refollowFrom ? new ArrayList<>()
						: diff(s.version());
				snapshotEvents = 0;
				floor = s.version();
				if (!synced) {
					diff.add(e);
					synced = true;
				}
				last = Math.max(last, s.version());
				return diff;
			}
			snapshotEvents++;
			snapshot(e);
			return List.of();
		}
		// a change after the re-follow's snapshot
		if (version(e) <= floor) {
			return List.of();
		}
		apply(e);
		return List.of(e);
	}

	private volatile long refollowFrom;
	private int snapshotEvents;

	/** The last re-follow whose snapshot was compared. */
	private int done;

	private void snapshot(PeerEvent e) {
		if (e instanceof PresenceChange p) {
			snapPresence = p.type() == ChangeType.REMOVED ? null : p.presence();
		}
		else if (e instanceof ApplicationChange a) {
			if (a.type() == ChangeType.REMOVED) {
				snapApplications.remove(a.application().id());
			}
			else {
				snapApplications.put(a.application().id(), a.application());
			}
		}
		else if (e instanceof ObjectChange o) {
			if (o.type() == ChangeType.REMOVED) {
				snapObjects.remove(o.object().id());
			}
			else {
				snapObjects.put(o.object().id(), o.object());
			}
		}
	}

	/** @return the changes from what was delivered to the snapshot, at its version; the snapshot becomes the state */
	private List<PeerEvent> diff(long version) {
		List<PeerEvent> out = new ArrayList<>();
		if (!Objects.equals(presence, snapPresence)) {
			out.add(snapPresence == null ? new PresenceChange(ChangeType.REMOVED, presence, version)
					: new PresenceChange(presence == null ? ChangeType.ADDED : ChangeType.UPDATED, snapPresence,
							version));
		}
		for (PeerApplication a : snapApplications.values()) {
			PeerApplication had = applications.get(a.id());
			if (!a.equals(had)) {
				out.add(new ApplicationChange(had == null ? ChangeType.ADDED : ChangeType.UPDATED, a, version));
			}
		}
		for (PeerApplication had : applications.values()) {
			if (!snapApplications.containsKey(had.id())) {
				out.add(new ApplicationChange(ChangeType.REMOVED, had, version));
			}
		}
		for (PeerObject o : snapObjects.values()) {
			PeerObject had = objects.get(o.id());
			if (!o.equals(had)) {
				out.add(new ObjectChange(had == null ? ChangeType.ADDED : ChangeType.UPDATED, o, version));
			}
		}
		for (PeerObject had : objects.values()) {
			if (!snapObjects.containsKey(had.id())) {
				out.add(new ObjectChange(ChangeType.REMOVED, had, version));
			}
		}
		presence = snapPresence;
		applications.clear();
		applications.putAll(snapApplications);
		objects.clear();
		objects.putAll(snapObjects);
		snapApplications.clear();
		snapObjects.clear();
		snapPresence = null;
		return out;
	}

	private void apply(PeerEvent e) {
		if (e instanceof PeerEvent.Synced) {
			synced = true;
		}
		else if (e instanceof PresenceChange p) {
			presence = p.type() == ChangeType.REMOVED ? null : p.presence();
		}
		else if (e instanceof ApplicationChange a) {
			if (a.type() == ChangeType.REMOVED) {
				applications.remove(a.application().id());
			}
			else {
				applications.put(a.application().id(), a.application());
			}
		}
		else if (e instanceof ObjectChange o) {
			if (o.type() == ChangeType.REMOVED) {
				objects.remove(o.object().id());
			}
			else {
				objects.put(o.object().id(), o.object());
			}
		}
		last = Math.max(last, version(e));
	}

	private static long version(PeerEvent e) {
		if (e instanceof PeerEvent.Synced s) {
			return s.version();
		}
		if (e instanceof PresenceChange p) {
			return p.version();
		}
		if (e instanceof ApplicationChange a) {
			return a.version();
		}
		if (e instanceof ObjectChange o) {
			return o.version();
		}
		return Long.MIN_VALUE;
	}
}
