package io.peercollab.contact;

import java.nio.file.Path;
import java.util.UUID;

import io.peercollab.PeerApplication;
import io.peercollab.identity.PeerName;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where an endpoint keeps its contacts and its registered applications. An SPI: users pick a store with a factory
 * method ({@link #inMemory()}, {@link #h2(Path)}, {@link #r2dbc(ConnectionFactory)}) and hand it to the builder;
 * the {@link ContactManager} is the API they use.
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

	/**
	 * Releases the store's resources (connections, file locks). Idempotent; the store cannot be used afterwards.
	 *
	 * @return completes when released
	 */
	Mono<Void> close();

	/** @return a new store that keeps everything in memory and forgets it with the process */
	static ContactStore inMemory() {
		return new io.peercollab.internal.store.InMemoryContactStore();
	}

	/**
	 * @param directory the directory holding the database file ({@code contacts.mv.db}); created if missing
	 * @return a store in an embedded H2 database file, created and migrated on first use
	 */
	static ContactStore h2(Path directory) {
		return io.peercollab.internal.store.R2dbcContactStore.h2(directory);
	}

	/**
	 * @param connectionFactory any R2DBC connection factory; the schema is created and migrated on first use
	 * @return a store in that database
	 */
	static ContactStore r2dbc(ConnectionFactory connectionFactory) {
		return new io.peercollab.internal.store.R2dbcContactStore(connectionFactory);
	}
}
