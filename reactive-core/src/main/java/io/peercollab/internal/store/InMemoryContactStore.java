// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.store;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;

import io.peercollab.AlreadyExistsException;
import io.peercollab.NotFoundException;
import io.peercollab.PeerApplication;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link ContactStore} that keeps everything in memory and forgets it with the process, or when it is closed.
 *
 * <p>Every method is lazy and runs on the subscribing thread without blocking; writes are visible to every
 * subscriber once their {@code Mono} completes. {@link #findAll()} and {@link #applications()} emit a snapshot taken
 * at subscription and honour backpressure. Safe for concurrent use. After {@link #close()}, every other method fails
 * with {@link IllegalStateException} {@code "store is closed"}.
 */
public final class InMemoryContactStore implements ContactStore {

	/**
	 * The order of {@link #applications()}: that of the ids' text ({@link UUID#toString()}), which is their unsigned
	 * numeric order. {@link UUID#compareTo(UUID)} compares the two halves as signed numbers, which no database does,
	 * so using it would make this store disagree with the R2DBC one.
	 */
	static final Comparator<UUID> ID_ORDER = Comparator
			.comparing(UUID::getMostSignificantBits, Long::compareUnsigned)
			.thenComparing(UUID::getLeastSignificantBits, Long::compareUnsigned);

	private final ConcurrentSkipListMap<PeerName, PeerContact> contacts = new ConcurrentSkipListMap<>();
	private final ConcurrentSkipListMap<UUID, PeerApplication> applications = new ConcurrentSkipListMap<>(ID_ORDER);

	private final java.util.concurrent.ConcurrentHashMap<String, String> settings = new java.util.concurrent.ConcurrentHashMap<>();
	private volatile boolean closed;

	/** Creates an empty, open store. */
	public InMemoryContactStore() {
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once stored; fails with {@link AlreadyExistsException} naming the contact if one with the same
	 * name is stored
	 */
	@Override
	public Mono<Void> insert(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return Mono.fromRunnable(() -> {
			checkOpen();
			if (contacts.putIfAbsent(contact.name(), contact) != null) {
				throw alreadyExists(contact.name());
			}
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once stored; fails with {@link NotFoundException} if no contact has that name
	 */
	@Override
	public Mono<Void> update(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return Mono.fromRunnable(() -> {
			checkOpen();
			if (contacts.replace(contact.name(), contact) == null) {
				throw notFound(contact.name());
			}
		});
	}

	/** {@inheritDoc} */
	@Override
	public Mono<PeerContact> find(PeerName name) {
		Objects.requireNonNull(name, "name");
		return Mono.fromCallable(() -> {
			checkOpen();
			return contacts.get(name);
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Emits the contacts stored at subscription, ordered by {@link PeerName#compareTo(PeerName)}, then completes.
	 */
	@Override
	public Flux<PeerContact> findAll() {
		return Flux.defer(() -> {
			checkOpen();
			// A copy, so that a subscriber sees one consistent set however slowly it requests.
			return Flux.fromIterable(List.copyOf(contacts.values()));
		});
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Boolean> delete(PeerName name) {
		Objects.requireNonNull(name, "name");
		return Mono.fromCallable(() -> {
			checkOpen();
			return contacts.remove(name) != null;
		});
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Void> saveApplication(PeerApplication application) {
		Objects.requireNonNull(application, "application");
		return Mono.fromRunnable(() -> {
			checkOpen();
			applications.put(application.id(), application);
		});
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Boolean> deleteApplication(UUID id) {
		Objects.requireNonNull(id, "id");
		return Mono.fromCallable(() -> {
			checkOpen();
			return applications.remove(id) != null;
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Emits the applications stored at subscription, ordered by the text of their ids, then completes.
	 */
	@Override
	public Flux<PeerApplication> applications() {
		return Flux.defer(() -> {
			checkOpen();
			return Flux.fromIterable(List.copyOf(applications.values()));
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once stored; fails with {@link io.peercollab.PayloadTooLargeException} if the key or the value
	 * is longer than its limit
	 */
	@Override
	public Mono<Void> saveSetting(String key, String value) {
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(value, "value");
		return Mono.fromRunnable(() -> {
			checkOpen();
			settings.put(io.peercollab.Checks.text(key, "key", MAX_SETTING_KEY_LENGTH),
					io.peercollab.Checks.text(value, "value", MAX_SETTING_VALUE_LENGTH));
		});
	}

	/** {@inheritDoc} */
	@Override
	public Mono<java.util.Map<String, String>> settings() {
		return Mono.fromSupplier(() -> {
			checkOpen();
			return java.util.Map.copyOf(settings);
		});
	}

	/**
	 * Forgets everything and refuses further use. Idempotent.
	 *
	 * @return completes once closed
	 */
	@Override
	public Mono<Void> close() {
		return Mono.fromRunnable(() -> {
			closed = true;
			contacts.clear();
			applications.clear();
		});
	}

	@Override
	public String toString() {
		return "InMemoryContactStore[" + (closed ? "closed" : contacts.size() + " contacts, "
				+ applications.size() + " applications") + "]";
	}

	private void checkOpen() {
		if (closed) {
			throw new IllegalStateException("store is closed");
		}
	}

	/** @return the error both stores signal for a duplicate insert, so that callers see one message */
	static AlreadyExistsException alreadyExists(PeerName name) {
		return new AlreadyExistsException(alreadyExistsMessage(name));
	}

	/** @return the message of {@link #alreadyExists(PeerName)} */
	static String alreadyExistsMessage(PeerName name) {
		return "a contact named " + name + " already exists; update it instead";
	}

	/** @return the error both stores signal for an update of a missing contact */
	static NotFoundException notFound(PeerName name) {
		return new NotFoundException("no contact named " + name + " is stored; insert it first");
	}
}
