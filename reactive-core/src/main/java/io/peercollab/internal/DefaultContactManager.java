package io.peercollab.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;

import io.peercollab.ChangeType;
import io.peercollab.InvalidContactCardException;
import io.peercollab.NotFoundException;
import io.peercollab.Peer;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.ContactStore;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link ContactManager} of one endpoint. Writes go to the store first and, once acknowledged, to an in-memory
 * mirror that answers "is this caller an allowed contact?" on every request without touching the store, and to the
 * change feed.
 */
final class DefaultContactManager implements ContactManager {

	private final DefaultPeerCollaboration owner;
	private final ContactStore store;
	private final Object lock = new Object();
	private final Map<PeerName, PeerContact> mirror = new ConcurrentSkipListMap<>();
	private final StateFanout<ContactChange> fanout = new StateFanout<>(CHANGES_BUFFER);
	private final Mono<Void> loaded;
	private volatile PeerContact me;

	DefaultContactManager(DefaultPeerCollaboration owner, ContactStore store) {
		this.owner = owner;
		this.store = store;
		this.me = PeerContact.of(owner.identity.name(), owner.nickname(), owner.identity.certificate());
		this.loaded = store.findAll().doOnNext(c -> mirror.put(c.name(), c)).then().cache();
	}

	Mono<Void> load() {
		return loaded;
	}

	boolean isAllowed(PeerName caller) {
		PeerContact c = mirror.get(caller);
		return c != null && c.subscribeAllowed() == SubscribeAllowed.ALLOWED;
	}

	void nicknameChanged(String nickname) {
		me = me.withNickname(nickname);
	}

	@Override
	public PeerContact me() {
		return me;
	}

	@Override
	public Mono<PeerContact> updateMe(String nickname, String displayName, String email) {
		return Mono.fromSupplier(() -> {
			PeerContact updated = me.withNickname(nickname).withDisplayName(displayName).withEmail(email);
			me = updated;
			return updated;
		});
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
		synchronized (lock) {
			if (type == ChangeType.REMOVED) {
				mirror.remove(contact.name());
			}
			else {
				mirror.put(contact.name(), contact);
			}
			fanout.emit(new ContactChange(type, contact));
		}
		owner.visibilityChanged(contact.name());
	}

	@Override
	public Flux<ContactChange> changes() {
		return loaded.thenMany(fanout.stream(lock,
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
		if (xml == null) {
			throw new InvalidContactCardException("the card is null");
		}
		return ContactCardCodec.fromXml(xml);
	}

	@Override
	public Mono<PeerContact> importCard(String xml) {
		return Mono.fromSupplier(() -> parseCard(xml)).flatMap(this::add);
	}

	void close() {
		synchronized (lock) {
			fanout.complete();
		}
	}

	List<PeerContact> snapshot() {
		return List.copyOf(mirror.values());
	}
}
