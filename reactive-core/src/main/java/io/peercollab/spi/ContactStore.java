// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.UUID;

import io.peercollab.PeerApplication;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where an endpoint keeps its contacts and its registered applications. An SPI: users pick a store with a factory
 * method of {@link io.peercollab.contact.ContactStores} ({@code inMemory()}, {@code h2(Path)},
 * {@code r2dbc(ConnectionFactory)}) or bring their own, and hand it to the builder; the
 * {@link io.peercollab.contact.ContactManager} is the API they use.
 *
 * <p>Every method is lazy (nothing happens until subscription) and non-blocking. A write's {@code Mono} completes
 * only once the write is durable for that store: an acknowledged write to a file store survives the process being
 * killed. Implementations must be safe for concurrent use.
 *
 * <p>What is read back equals what was written: every text exactly as given (any Unicode, line breaks, separators,
 * NUL), a contact's endpoints and an application's arguments in their order, host names and IPv6 scopes included. A
 * contact or application is written and read whole: a reader never sees part of an update. Every implementation
 * passes the same contract test.
 */
public interface ContactStore {

	/**
	 * Stores a new contact.
	 *
	 * @return completes when stored; fails with {@link io.peercollab.AlreadyExistsException} if a contact with the
	 * same name exists
	 */
	Mono<Void> insert(PeerContact contact);

	/**
	 * Replaces a stored contact with the same name.
	 *
	 * @return completes when stored; fails with {@link io.peercollab.NotFoundException} if there is none
	 */
	Mono<Void> update(PeerContact contact);

	/** @return the contact with this name, or empty */
	Mono<PeerContact> find(PeerName name);

	/** @return every contact, ordered by name */
	Flux<PeerContact> findAll();

	/** @return {@code true} if a contact was deleted, {@code false} if there was none */
	Mono<Boolean> delete(PeerName name);

	/**
	 * Stores a registered application, replacing one with the same id.
	 *
	 * @return completes when stored
	 */
	Mono<Void> saveApplication(PeerApplication application);

	/** @return {@code true} if an application was deleted, {@code false} if there was none */
	Mono<Boolean> deleteApplication(UUID id);

	/**
	 * @return every stored application, ordered by id as the ids' text orders (their unsigned numeric order, which a
	 * database gives; not {@link UUID#compareTo(UUID)}, which compares signed halves)
	 */
	Flux<PeerApplication> applications();

	/** The longest key of a {@link #saveSetting setting}, in characters. */
	int MAX_SETTING_KEY_LENGTH = 64;

	/** The longest value of a {@link #saveSetting setting}, in characters. */
	int MAX_SETTING_VALUE_LENGTH = 4_096;

	/**
	 * Stores one of this endpoint's own settings (its endpoint name, its device id, the edits of its Me contact),
	 * replacing the value stored under the same key. The default keeps nothing, for stores written before settings existed: with
	 * such a store those settings last as long as the endpoint.
	 *
	 * @param key at most {@value #MAX_SETTING_KEY_LENGTH} characters
	 * @param value at most {@value #MAX_SETTING_VALUE_LENGTH} characters (any text, kept exactly)
	 * @return completes when stored
	 */
	default Mono<Void> saveSetting(String key, String value) {
		java.util.Objects.requireNonNull(key, "key");
		java.util.Objects.requireNonNull(value, "value");
		return Mono.empty();
	}

	/**
	 * @return every stored setting, by key; the default has none
	 */
	default Mono<java.util.Map<String, String>> settings() {
		return Mono.just(java.util.Map.of());
	}

	/**
	 * Releases the store's resources (connections, file locks). Idempotent; the store cannot be used afterwards.
	 *
	 * @return completes when released
	 */
	Mono<Void> close();
}
