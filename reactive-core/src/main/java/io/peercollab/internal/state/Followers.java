// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationObserver;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.StateStream;
import reactor.core.publisher.Flux;

/**
 * The remote subscriptions to this endpoint's events ({@code peer.events()} of the peers that follow it), each shown
 * what its caller may see. On every change of the {@link PublishedState} each follower is diffed against what it was
 * sent, with one generic diff for presence, applications and objects; followers of the same visibility class (allowed
 * contacts, everyone else) are handed the very same event object, so that a transport encodes it once.
 *
 * <p>Everything here runs on the published state's emission queue, one change at a time, never under a lock.
 */
public final class Followers implements PublishedState.Listener {

	/** Events one follower may fall behind before its stream ends and it resumes from a fresh snapshot. */
	static final int BUFFER = 1_024;

	private static final int TYPES = ChangeType.values().length;

	private final PublishedState state;
	private final Predicate<PeerName> allowedContact;
	private final Disclosure disclosure;
	private final CollaborationObserver observer;
	/** Touched on the emission queue only. */
	private final List<Follower> followers = new ArrayList<>();
	/** Touched on the emission queue only. */
	private boolean closed;
	/** How many followers are registered, for reading from any thread. */
	private volatile int count;
	/** Events made during the current change, by visibility class and type, so that followers share them. */
	private final PeerEvent[] shared = new PeerEvent[2 * TYPES];
	private final Object[] sharedValues = new Object[2 * TYPES];

	/**
	 * @param state what this endpoint publishes; the followers listen to it
	 * @param allowedContact whether a caller is a contact allowed to follow this endpoint
	 * @param disclosure what each audience is shown of the presence
	 * @param observer told about each follower added and removed (guarded: it does not throw)
	 */
	public Followers(PublishedState state, Predicate<PeerName> allowedContact, Disclosure disclosure,
			CollaborationObserver observer) {
		this.state = state;
		this.allowedContact = allowedContact;
		this.disclosure = disclosure;
		this.observer = observer;
		state.addListener(this);
	}

	/** A remote subscription, and what it was sent so far. */
	private static final class Follower {
		final PeerName caller;
		final StateStream<PeerEvent> stream;
		/**
		 * Whether the caller is an allowed contact, as last looked up: when it registered, and again whenever its
		 * contact entry changed ({@link PublishedState.Change.Caller}, published after the contact manager's mirror
		 * changed) or everything is diffed. A change of the published state reads this instead of a contact lookup per
		 * follower.
		 */
		boolean allowed;
		PresenceInfo presence;
		final Map<UUID, PeerApplication> applications = new HashMap<>();
		final Map<UUID, PeerObject> objects = new HashMap<>();

		Follower(PeerName caller, StateStream<PeerEvent> stream) {
			this.caller = caller;
			this.stream = stream;
		}
	}

	/**
	 * @param caller who follows, as the transport authenticated it
	 * @param afterVersion the last version the caller saw, or any other number for a fresh start
	 * @return what {@code caller} may see as {@code ADDED} (nothing if it saw {@code afterVersion}, which is the current
	 * version), then {@link PeerEvent.Synced}, then each change it may see. Overflow: past {@value #BUFFER} events
	 * behind, the stream fails with an overflow error and the follower resumes from a fresh snapshot.
	 */
	public Flux<PeerEvent> follow(PeerName caller, long afterVersion) {
		return Flux.defer(() -> {
			Follower f = new Follower(caller,
					new StateStream<>(state.emissions(), StateStream.Overflow.ERROR, BUFFER));
			return f.stream.stream(() -> start(f, afterVersion))
					.doFinally(signal -> state.emissions().execute(() -> {
						if (followers.remove(f)) {
							observer.followerRemoved(f.caller);
						}
						count = followers.size();
					}));
		});
	}

	/** On the emission queue: registers {@code f} and returns the events it starts with. */
	private List<PeerEvent> start(Follower f, long afterVersion) {
		if (closed) {
			f.stream.complete();
			return List.of();
		}
		PublishedState.Snapshot s = state.emitted();
		boolean allowed = allowedContact.test(f.caller);
		f.allowed = allowed;
		f.presence = s.visiblePresence(allowed, disclosure);
		for (PeerApplication a : s.applications().values()) {
			if (s.visible(a.scope(), allowed)) {
				f.applications.put(a.id(), a.withoutLaunchDetails());
			}
		}
		for (PeerObject o : s.objects().values()) {
			if (s.visible(o.scope(), allowed)) {
				f.objects.put(o.id(), o);
			}
		}
		List<PeerEvent> events = new ArrayList<>(f.applications.size() + f.objects.size() + 2);
		// A follower that saw this very version has this very state: only the marker is due.
		if (afterVersion != s.version()) {
			if (f.presence != null) {
				events.add(new PresenceChange(ChangeType.ADDED, f.presence, s.version()));
			}
			f.applications.values().forEach(a -> events.add(new ApplicationChange(ChangeType.ADDED, a, s.version())));
			f.objects.values().forEach(o -> events.add(new ObjectChange(ChangeType.ADDED, o, s.version())));
		}
		events.add(new PeerEvent.Synced(s.version()));
		followers.add(f);
		count = followers.size();
		observer.followerAdded(f.caller);
		return events;
	}

	@Override
	public void changed(PublishedState.Snapshot s, PublishedState.Change change) {
		if (followers.isEmpty()) {
			return;
		}
		java.util.Arrays.fill(shared, null);
		java.util.Arrays.fill(sharedValues, null);
		// the stripped application is the same for every follower: made once per change
		PeerApplication stripped = null;
		if (change instanceof PublishedState.Change.Application a) {
			PeerApplication app = s.applications().get(a.id());
			stripped = app == null ? null : app.withoutLaunchDetails();
		}
		for (int i = 0, n = followers.size(); i < n; i++) {
			Follower f = followers.get(i);
			boolean allowed = f.allowed;
			if (change instanceof PublishedState.Change.Presence) {
				diffPresence(f, s, allowed);
			}
			else if (change instanceof PublishedState.Change.Application a) {
				diffApplication(f, s, a.id(), allowed, stripped);
			}
			else if (change instanceof PublishedState.Change.SharedObject o) {
				diffObject(f, s, o.id(), allowed);
			}
			else if (change instanceof PublishedState.Change.Caller c) {
				if (c.caller().equals(f.caller)) {
					f.allowed = allowedContact.test(f.caller);
					diffAll(f, s, f.allowed);
				}
			}
			else {
				f.allowed = allowedContact.test(f.caller);
				diffAll(f, s, f.allowed);
			}
		}
	}

	@Override
	public void closed() {
		closed = true;
		for (Follower f : followers) {
			f.stream.complete();
			observer.followerRemoved(f.caller);
		}
		followers.clear();
		count = 0;
	}

	/** @return how many remote subscriptions are served now */
	public int size() {
		return count;
	}

	private void diffAll(Follower f, PublishedState.Snapshot s, boolean allowed) {
		diffPresence(f, s, allowed);
		java.util.Set<UUID> apps = new java.util.LinkedHashSet<>(s.applications().keySet());
		apps.addAll(f.applications.keySet());
		for (UUID id : apps) {
			PeerApplication a = s.applications().get(id);
			diffApplication(f, s, id, allowed, a == null ? null : a.withoutLaunchDetails());
		}
		java.util.Set<UUID> objs = new java.util.LinkedHashSet<>(s.objects().keySet());
		objs.addAll(f.objects.keySet());
		for (UUID id : objs) {
			diffObject(f, s, id, allowed);
		}
	}

	private void diffPresence(Follower f, PublishedState.Snapshot s, boolean allowed) {
		PresenceInfo now = s.visiblePresence(allowed, disclosure);
		PresenceInfo sent = f.presence;
		f.presence = now;
		emit(f, sent, now, s.version(), allowed, PresenceChange::new);
	}

	private void diffApplication(Follower f, PublishedState.Snapshot s, UUID id, boolean allowed,
			PeerApplication stripped) {
		PeerApplication a = s.applications().get(id);
		PeerApplication now = a != null && s.visible(a.scope(), allowed) ? stripped : null;
		PeerApplication sent = now == null ? f.applications.remove(id) : f.applications.put(id, now);
		emit(f, sent, now, s.version(), allowed, ApplicationChange::new);
	}

	private void diffObject(Follower f, PublishedState.Snapshot s, UUID id, boolean allowed) {
		PeerObject o = s.objects().get(id);
		PeerObject now = o != null && s.visible(o.scope(), allowed) ? o : null;
		PeerObject sent = now == null ? f.objects.remove(id) : f.objects.put(id, now);
		emit(f, sent, now, s.version(), allowed, ObjectChange::new);
	}

	/** Makes an event of one kind. */
	private interface EventFactory<V> {
		PeerEvent make(ChangeType type, V value, long version);
	}

	/**
	 * The one diff: emits to {@code f} what turns {@code sent} into {@code now}, if anything, reusing the event another
	 * follower of the same class got for the same value during this change.
	 */
	private <V> void emit(Follower f, V sent, V now, long version, boolean allowed, EventFactory<V> factory) {
		if (Objects.equals(now, sent)) {
			return;
		}
		ChangeType type = sent == null ? ChangeType.ADDED : now == null ? ChangeType.REMOVED : ChangeType.UPDATED;
		V value = now == null ? sent : now;
		int slot = (allowed ? TYPES : 0) + type.ordinal();
		PeerEvent event = shared[slot];
		if (event == null || sharedValues[slot] != value) {
			event = factory.make(type, value, version);
			shared[slot] = event;
			sharedValues[slot] = value;
		}
		f.stream.emit(event);
	}
}
