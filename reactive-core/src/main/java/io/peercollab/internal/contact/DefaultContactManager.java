// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.contact;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.function.Function;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.NotFoundException;
import io.peercollab.ObjectChange;
import io.peercollab.Peer;
import io.peercollab.PeerEvent;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactItemChange;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.ContactPresence;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.card.ContactCardCodec;
import io.peercollab.internal.flow.Diagnoser;
import io.peercollab.internal.flow.StateFanout;
import io.peercollab.internal.peer.PeerEvents;
import io.peercollab.internal.peer.RemotePeer;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The {@link ContactManager} of one endpoint. Writes go to the store first and, once acknowledged, to an in-memory
 * mirror that answers "is this caller an allowed contact?" on every request without touching the store, and to the
 * change feed.
 */
public final class DefaultContactManager implements ContactManager {

	private final ContactStore store;
	private final Function<PeerContact, Peer> peers;
	private final Consumer<PeerName> visibilityChanged;
	private final Scheduler timer;
	private final Diagnoser diagnoser;
	private final Object lock = new Object();
	private final Map<PeerName, PeerContact> mirror = new ConcurrentSkipListMap<>();
	private final StateFanout<ContactChange> fanout = new StateFanout<>(lock, CHANGES_BUFFER);
	private final Mono<Void> loaded;
	private volatile PeerContact me;
	/** The endpoint's settings as stored when loaded, then as saved through {@link #saveSetting}. */
	private final Map<String, String> settings = new java.util.concurrent.ConcurrentHashMap<>();
	/** Announces the Me contact's nickname (near me), once it changed. */
	private volatile Function<String, Mono<Void>> nicknameAnnouncer = n -> Mono.empty();
	// guarded by lock
	private final Map<PeerName, PresenceInfo> presences = new HashMap<>();
	private final Map<PeerName, reactor.core.Disposable> following = new HashMap<>();
	private final StateFanout<ContactPresence> presenceFanout = new StateFanout<>(lock, CHANGES_BUFFER);
	/** Each followed contact's applications and objects as last seen, by item id. */
	private final Map<PeerName, Map<UUID, PeerEvent>> items = new HashMap<>();
	private final StateFanout<ContactItemChange> itemFanout = new StateFanout<>(lock, CHANGES_BUFFER);
	private boolean followingEnabled;

	/**
	 * @param store where contacts are kept
	 * @param me this endpoint's own contact (name, nickname, certificate), as {@link #me()} gives it
	 * @param peers how a contact is reached, to follow its presence
	 * @param visibilityChanged told when what a contact may see changed (allowed, blocked, removed)
	 * @param timer where followed contacts' events are handled
	 * @param diagnoser where a contact that stopped being followed is reported
	 */
	public DefaultContactManager(ContactStore store, PeerContact me, Function<PeerContact, Peer> peers,
			Consumer<PeerName> visibilityChanged, Scheduler timer, Diagnoser diagnoser) {
		this.store = store;
		this.peers = peers;
		this.visibilityChanged = visibilityChanged;
		this.timer = timer;
		this.diagnoser = diagnoser;
		this.me = me.withSubscribed(true).withSubscribeAllowed(SubscribeAllowed.ALLOWED);
		this.loaded = store.findAll().doOnNext(c -> mirror.put(c.name(), c))
				.then(store.settings().doOnNext(this::restore)).then().cache();
	}

	/** Setting keys of the Me contact's edits. */
	static final String ME_NICKNAME = "me.nickname";
	static final String ME_DISPLAY_NAME = "me.display-name";
	static final String ME_EMAIL = "me.email";

	/** Sets how a new nickname of the Me contact is announced; the engine's, once it is built. */
	public void announceNicknameWith(Function<String, Mono<Void>> announcer) {
		this.nicknameAnnouncer = announcer;
	}

	/** The Me contact's edits kept in the store win over what the builder gave; an unreadable one is reported. */
	private void restore(Map<String, String> stored) {
		settings.putAll(stored);
		PeerContact m = me;
		try {
			me = m.withNickname(stored.getOrDefault(ME_NICKNAME, m.nickname()))
					.withDisplayName(stored.getOrDefault(ME_DISPLAY_NAME, m.displayName()))
					.withEmail(stored.getOrDefault(ME_EMAIL, m.email()));
		}
		catch (RuntimeException e) {
			diagnoser.diagnose(io.peercollab.Diagnostic.Kind.REJECTED_REQUEST, "the Me contact's stored edits of "
					+ m.name() + " cannot be used (" + e.getMessage() + "); the builder's values stay");
		}
	}

	/** @return a setting as stored (once {@link #load()} completed) or saved since, or {@code null} */
	public String setting(String key) {
		return settings.get(key);
	}

	/** Stores a setting of this endpoint, then remembers it. */
	public Mono<Void> saveSetting(String key, String value) {
		return loaded.then(store.saveSetting(key, value)).then(Mono.fromRunnable(() -> settings.put(key, value)));
	}

	public Mono<Void> load() {
		return loaded;
	}

	public boolean isAllowed(PeerName caller) {
		if (caller.equals(me.name())) {
			// another endpoint of this identity (another device of the same person) is the Me contact: always allowed
			return true;
		}
		PeerContact c = mirror.get(caller);
		return c != null && c.subscribeAllowed() == SubscribeAllowed.ALLOWED;
	}

	/**
	 * The endpoint's nickname was set ({@code setNickname}): the Me contact's changes and is stored.
	 *
	 * @return completes once stored
	 */
	public Mono<Void> nicknameChanged(String nickname) {
		return Mono.defer(() -> {
			me = me.withNickname(nickname);
			return saveSetting(ME_NICKNAME, nickname);
		});
	}

	@Override
	public PeerContact me() {
		return me;
	}

	@Override
	public Mono<PeerContact> updateMe(String nickname, String displayName, String email) {
		return Mono.fromSupplier(() -> me.withNickname(nickname).withDisplayName(displayName).withEmail(email))
				.flatMap(updated -> loaded.then(store.saveSetting(ME_NICKNAME, updated.nickname()))
						.then(store.saveSetting(ME_DISPLAY_NAME, updated.displayName()))
						.then(store.saveSetting(ME_EMAIL, updated.email()))
						.then(Mono.defer(() -> {
							String before = me.nickname();
							settings.put(ME_NICKNAME, updated.nickname());
							settings.put(ME_DISPLAY_NAME, updated.displayName());
							settings.put(ME_EMAIL, updated.email());
							me = updated;
							return before.equals(updated.nickname()) ? Mono.<Void>empty()
									: nicknameAnnouncer.apply(updated.nickname());
						}))
						.thenReturn(updated));
	}

	@Override
	public Mono<PeerContact> add(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return loaded.then(store.insert(contact)).then(Mono.fromSupplier(() -> {
			changed(ChangeType.ADDED, contact);
			return contact;
		}));
	}

	@Override
	public Mono<PeerContact> createContact(Peer peer) {
		Objects.requireNonNull(peer, "peer");
		if (!(peer instanceof RemotePeer remote)) {
			return Mono.error(new IllegalArgumentException("peer must come from this library (peersNearMe() or peer(...))"));
		}
		return remote.provenCard().flatMap(proven -> {
			PeerContact card = parseCard(proven.xml());
			if (!card.name().equals(proven.provenBy())) {
				return Mono.error(new PeerIdentityMismatchException("the card sent by " + proven.provenBy()
						+ " names " + card.name() + "; the contact was not created"));
			}
			return add(card.withEndPoints(peer.endPoints()).withSubscribed(false)
					.withSubscribeAllowed(SubscribeAllowed.ALLOWED));
		});
	}

	@Override
	public Mono<PeerContact> find(PeerName name) {
		Objects.requireNonNull(name, "name");
		return loaded.then(Mono.fromSupplier(() -> mirror.get(name)));
	}

	@Override
	public Flux<PeerContact> findAll() {
		return loaded.thenMany(Flux.defer(() -> Flux.fromIterable(new ArrayList<>(mirror.values()))));
	}

	@Override
	public Mono<PeerContact> update(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return loaded.then(store.update(contact)).then(Mono.fromSupplier(() -> {
			changed(ChangeType.UPDATED, contact);
			return contact;
		}));
	}

	@Override
	public Mono<Void> delete(PeerName name) {
		Objects.requireNonNull(name, "name");
		return loaded.then(store.delete(name)).flatMap(deleted -> {
			PeerContact old = mirror.get(name);
			if (!deleted || old == null) {
				return Mono.error(new NotFoundException("no contact named " + name));
			}
			changed(ChangeType.REMOVED, old);
			return Mono.<Void>empty();
		});
	}

	private void changed(ChangeType type, PeerContact contact) {
		try {
			synchronized (lock) {
				if (type == ChangeType.REMOVED) {
					mirror.remove(contact.name());
				}
				else {
					mirror.put(contact.name(), contact);
				}
				fanout.emit(new ContactChange(type, contact));
				refollow(type == ChangeType.REMOVED ? null : contact, contact.name());
			}
		}
		finally {
			drain();
		}
		visibilityChanged.accept(contact.name());
	}

	// ----- following contacts' presence -------------------------------------------------------------------------------

	/**
	 * Signed in (to any scope) or out: start or stop following every subscribed contact. A contact is followed
	 * wherever it can be reached (near me, at its card's or last address, through the resolvers), whatever the scope.
	 */
	public void signedIn(boolean signedIn) {
		try {
			synchronized (lock) {
				followingEnabled = signedIn;
				for (PeerContact c : mirror.values()) {
					refollow(c, c.name());
				}
			}
		}
		finally {
			drain();
		}
	}

	/** Called under lock: makes the follow subscription of {@code name} match {@code contact} (null: deleted). */
	private void refollow(PeerContact contact, PeerName name) {
		boolean wanted = followingEnabled && contact != null && contact.subscribed();
		reactor.core.Disposable current = following.get(name);
		if (wanted && current == null) {
			setPresence(name, presences.getOrDefault(name, PresenceInfo.OFFLINE));
			// publishOn: events are handled off the publisher's thread, so no lock is ever held across two endpoints
			following.put(name, peers.apply(contact).events()
					.filter(e -> !(e instanceof PeerEvent.Synced))
					.publishOn(timer)
					.subscribe(event -> {
						try {
							synchronized (lock) {
								if (following.containsKey(name)) {
									if (event instanceof PresenceChange p) {
										setPresence(name, p.type() == ChangeType.REMOVED ? PresenceInfo.OFFLINE
												: p.presence());
									}
									else {
										setItem(name, event);
									}
								}
							}
						}
						finally {
							drain();
						}
					}, e -> {
						try {
							synchronized (lock) {
								setPresence(name, PresenceInfo.OFFLINE);
							}
						}
						finally {
							drain();
						}
						diagnoser.diagnose(io.peercollab.Diagnostic.Kind.CONNECTION_LOST,
								"stopped following contact " + name + ": " + e.getMessage());
					}));
		}
		else if (!wanted && current != null) {
			following.remove(name).dispose();
			setPresence(name, PresenceInfo.OFFLINE);
			removeItems(name);
		}
		if (contact == null) {
			presences.remove(name);
		}
	}

	/** Delivers the changes queued under the lock; every locked block ends with it (see {@link StateFanout}). */
	private void drain() {
		fanout.drain();
		presenceFanout.drain();
		itemFanout.drain();
	}

	/** Called under lock: records an application or object change of a followed contact and emits it. */
	private void setItem(PeerName name, PeerEvent change) {
		UUID id = itemId(change);
		if (id == null) {
			return;
		}
		Map<UUID, PeerEvent> known = items.computeIfAbsent(name, k -> new HashMap<>());
		if (PeerEvents.type(change) == ChangeType.REMOVED) {
			if (known.remove(id) == null) {
				return;
			}
		}
		else {
			known.put(id, change);
		}
		itemFanout.emit(new ContactItemChange(name, change));
	}

	/** Called under lock: a contact no longer followed shows each of its items removed. */
	private void removeItems(PeerName name) {
		Map<UUID, PeerEvent> known = items.remove(name);
		if (known != null) {
			for (PeerEvent item : known.values()) {
				itemFanout.emit(new ContactItemChange(name, PeerEvents.retype(item, ChangeType.REMOVED)));
			}
		}
	}

	private static UUID itemId(PeerEvent change) {
		if (change instanceof ApplicationChange a) {
			return a.application().id();
		}
		if (change instanceof ObjectChange o) {
			return o.object().id();
		}
		return null;
	}

	@Override
	public Flux<ContactItemChange> itemChanges() {
		return loaded.thenMany(itemFanout.stream(() -> items.entrySet().stream()
				.flatMap(e -> e.getValue().values().stream()
						.map(item -> new ContactItemChange(e.getKey(), PeerEvents.retype(item, ChangeType.ADDED))))
				.toList()));
	}

	/** Called under lock. */
	private void setPresence(PeerName name, PresenceInfo p) {
		if (!p.equals(presences.put(name, p))) {
			presenceFanout.emit(new ContactPresence(name, p));
		}
	}

	@Override
	public Flux<ContactPresence> presences() {
		return loaded.thenMany(presenceFanout.stream(() -> mirror.values().stream()
				.filter(PeerContact::subscribed)
				.map(c -> new ContactPresence(c.name(), presences.getOrDefault(c.name(), PresenceInfo.OFFLINE)))
				.toList()));
	}

	@Override
	public Flux<ContactChange> changes() {
		return loaded.thenMany(fanout.stream(
				() -> mirror.values().stream().map(c -> new ContactChange(ChangeType.ADDED, c)).toList()));
	}

	@Override
	public String exportCard() {
		return exportCard(me);
	}

	@Override
	public String exportCard(PeerContact contact) {
		return ContactCardCodec.toXml(Objects.requireNonNull(contact, "contact"));
	}

	@Override
	public PeerContact parseCard(String xml) {
		// the codec refuses a null card too, with the same typed error as any other bad card
		return ContactCardCodec.fromXml(xml);
	}

	@Override
	public Mono<PeerContact> importCard(String xml) {
		return Mono.fromSupplier(() -> parseCard(xml)).flatMap(this::add);
	}

	public void close() {
		try {
			synchronized (lock) {
				following.values().forEach(reactor.core.Disposable::dispose);
				following.clear();
				fanout.complete();
				presenceFanout.complete();
			}
		}
		finally {
			drain();
		}
	}

}
