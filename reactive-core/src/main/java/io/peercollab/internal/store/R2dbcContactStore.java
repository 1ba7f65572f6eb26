// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.store;

import java.io.ByteArrayInputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.peercollab.AlreadyExistsException;
import io.peercollab.NotFoundException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link ContactStore} in a relational database reached through R2DBC: by default an embedded H2 database file
 * ({@link #h2(Path)}), or any H2 database behind a {@link ConnectionFactory}. The SQL is H2's dialect (its
 * {@code MERGE INTO ... KEY} upsert in particular).
 *
 * <h2>Schema</h2>
 * Created and migrated on first use, once per store instance (see {@link R2dbcContactStoreSchema}, which also moves
 * the lists of a database written by version 1 into their tables). Version 2:
 * <ul>
 *   <li>{@code contacts}: {@code name} (the {@link PeerName} as text, primary key), {@code nickname},
 *   {@code display_name}, {@code email}, {@code certificate} (DER), {@code subscribed}, {@code subscribe_allowed}
 *   (the enum constant's name);</li>
 *   <li>{@code contact_endpoints}: one row per endpoint, {@code contact_name} and {@code position} (0, 1, ... in the
 *   contact's order) as the key; {@code name}; {@code host}, the host name or {@code NULL} when only the address is
 *   known; {@code address}, the 4 or 16 bytes of the IP address or {@code NULL} for an unresolved address;
 *   {@code scope_id}, the IPv6 scope or 0; {@code port};</li>
 *   <li>{@code applications}: {@code id} (UUID, primary key), {@code description}, {@code data}, {@code scope} (the
 *   enum constant's name), {@code path};</li>
 *   <li>{@code application_arguments}: one row per argument, {@code application_id} and {@code position} as the key,
 *   {@code argument}.</li>
 * </ul>
 * Child rows are deleted with their parent ({@code ON DELETE CASCADE}). Text is stored as it is, with no escaping,
 * and addresses as bytes: reading an address never looks anything up in DNS. A database whose schema is newer than
 * this code knows is refused with an {@link IllegalStateException} rather than misread.
 *
 * <h2>Reading</h2>
 * A contact is read with its endpoints in one statement (a join ordered by name and position), and so is an
 * application with its arguments: a reader sees each one whole, as last committed. A stored row that cannot be
 * decoded (a malformed field, a value this code does not know, a gap in the positions) fails the stream with an
 * {@link IllegalStateException} naming the row and the reason, after the rows before it; nothing is skipped or
 * defaulted. Parsed certificates are kept by their encoding, up to about {@value #CERTIFICATE_CACHE_SIZE} of them,
 * so that a contact read again does not parse its certificate again; a certificate read for the first time is
 * parsed.
 *
 * <h2>Connections and threads</h2>
 * Each operation takes its own connection from the factory and closes it when done, so concurrent operations run in
 * separate sessions and transactions that the database isolates; a single shared connection would interleave the
 * statements of concurrent operations on one session. Give the factory a pool if connecting is expensive. A write
 * that touches one table runs in auto-commit mode, one that touches a parent and its children in one transaction;
 * its {@code Mono} completes after the commit. r2dbc-h2 executes on the calling thread and H2 does file I/O there, so
 * with an H2 factory writes and streams ({@link #findAll()}, {@link #applications()}) are subscribed on
 * {@link Schedulers#boundedElastic()} and signal there, and so is the first operation's opening and migration. A
 * read of one value ({@link #find}, {@link #settings()}) of an open H2 database is served from H2's page cache in
 * tens of microseconds, about what handing it to another thread and back costs: it runs on the subscribing thread,
 * as r2dbc-h2 itself does, unless that thread is one where Reactor forbids blocking
 * ({@link Schedulers#isInNonBlockingThread()}, where {@code block()} refuses too: Reactor's {@code parallel} and
 * {@code single} schedulers, Reactor Netty's event loops, and any thread an application names with
 * {@link Schedulers#registerNonBlockingThreadPredicate}, a UI thread for instance), from which it is moved to
 * {@code boundedElastic} as well. Other drivers keep their own threads.
 */
public final class R2dbcContactStore implements ContactStore {

	/**
	 * How many parsed certificates a store keeps, about. A parsed Ed25519 or P-256 identity certificate holds about
	 * 3 KB of heap and its encoding as the key 0.4 KB, so a full cache holds about 14 MB, most of it shared with the
	 * contacts read from it (which a {@code ContactManager} keeps in memory anyway). The certificates of a contact
	 * list larger than this are only partly kept, and a listing parses the rest again.
	 */
	static final int CERTIFICATE_CACHE_SIZE = 4_096;

	private static final String CONTACT_COLUMNS =
			"name, nickname, display_name, email, certificate, subscribed, subscribe_allowed";
	private static final String INSERT_CONTACT =
			"INSERT INTO contacts (" + CONTACT_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
	private static final String UPDATE_CONTACT = "UPDATE contacts SET nickname = $2, display_name = $3, email = $4, "
			+ "certificate = $5, subscribed = $6, subscribe_allowed = $7 WHERE name = $1";
	private static final String INSERT_ENDPOINT = "INSERT INTO contact_endpoints "
			+ "(contact_name, position, name, host, address, scope_id, port) VALUES ($1, $2, $3, $4, $5, $6, $7)";
	private static final String DELETE_ENDPOINTS = "DELETE FROM contact_endpoints WHERE contact_name = $1";
	/** A contact's columns, repeated on the row of each of its endpoints; one row of NULL endpoint columns if none. */
	private static final String SELECT_CONTACT_ROWS = "SELECT c.name, c.nickname, c.display_name, c.email, "
			+ "c.certificate, c.subscribed, c.subscribe_allowed, "
			+ "e.position, e.name, e.host, e.address, e.scope_id, e.port "
			+ "FROM contacts c LEFT JOIN contact_endpoints e ON e.contact_name = c.name";
	// H2 compares VARCHAR like String.compareTo, and an authority is "0" or 52 characters of a-z2-7, so the text order
	// of "authority.classifier" is exactly PeerName's order.
	private static final String SELECT_CONTACTS = SELECT_CONTACT_ROWS + " ORDER BY c.name, e.position";
	private static final String SELECT_CONTACT = SELECT_CONTACT_ROWS + " WHERE c.name = $1 ORDER BY e.position";
	private static final String DELETE_CONTACT = "DELETE FROM contacts WHERE name = $1";

	private static final String MERGE_APPLICATION = "MERGE INTO applications (id, description, data, scope, path) "
			+ "KEY (id) VALUES ($1, $2, $3, $4, $5)";
	private static final String INSERT_ARGUMENT =
			"INSERT INTO application_arguments (application_id, position, argument) VALUES ($1, $2, $3)";
	private static final String DELETE_ARGUMENTS = "DELETE FROM application_arguments WHERE application_id = $1";
	// H2 orders UUIDs as unsigned 128-bit numbers, which is also the order of their text.
	private static final String SELECT_APPLICATIONS = "SELECT a.id, a.description, a.data, a.scope, a.path, "
			+ "g.position, g.argument "
			+ "FROM applications a LEFT JOIN application_arguments g ON g.application_id = a.id "
			+ "ORDER BY a.id, g.position";
	private static final String DELETE_APPLICATION = "DELETE FROM applications WHERE id = $1";
	private static final String MERGE_SETTING = "MERGE INTO settings (setting_key, setting_value) KEY (setting_key) "
			+ "VALUES ($1, $2)";
	private static final String SELECT_SETTINGS = "SELECT setting_key, setting_value FROM settings";

	private static final SubscribeAllowed[] SUBSCRIBE_ALLOWED = SubscribeAllowed.values();
	private static final PeerScope[] SCOPES = PeerScope.values();

	private final Certificates certificates = new Certificates(CERTIFICATE_CACHE_SIZE);

	private final ConnectionFactory connectionFactory;
	/** For {@link #h2(Path)}: the directory to create on first use, and a database this store opens and closes. */
	private final Path ownedDirectory;
	private final String description;
	private final Scheduler scheduler;
	private final AtomicBoolean closed = new AtomicBoolean();
	/** For {@link #h2(Path)}: a session held while the store is open, see {@link #holdDatabaseOpen()}. */
	private final AtomicReference<Connection> anchor = new AtomicReference<>();
	private final Mono<Integer> ready;
	private final Mono<Void> closing;

	/**
	 * A store in the database behind {@code connectionFactory}, whose schema is created and migrated on first use.
	 * The store does not own the factory: {@link #close()} leaves it open. An in-memory H2 database must outlive
	 * the connections the store opens and closes ({@code DB_CLOSE_DELAY=-1}, or a connection held elsewhere).
	 *
	 * @param connectionFactory where to connect; each operation opens and closes one connection
	 */
	public R2dbcContactStore(ConnectionFactory connectionFactory) {
		this(Objects.requireNonNull(connectionFactory, "connectionFactory"), null,
				"R2dbcContactStore[" + connectionFactory.getMetadata().getName() + "]");
	}

	private R2dbcContactStore(ConnectionFactory connectionFactory, Path ownedDirectory, String description) {
		this.connectionFactory = connectionFactory;
		this.ownedDirectory = ownedDirectory;
		this.description = description;
		// r2dbc-h2 runs every call to completion on the subscribing thread, file I/O included: keep that off the
		// caller's threads, which may be event loops.
		this.scheduler = "H2".equalsIgnoreCase(connectionFactory.getMetadata().getName())
				? Schedulers.boundedElastic() : Schedulers.immediate();
		// Errors are not cached by cacheInvalidateIf, so a failed migration (a full disk, say) is retried by the next
		// operation rather than poisoning the store for good.
		// Opening and migrating (file I/O, once) run on the scheduler whichever operation comes first; once done,
		// the cached version is replayed on the subscriber's thread.
		this.ready = Mono.defer(this::prepare).subscribeOn(scheduler).cacheInvalidateIf(version -> false);
		this.closing = Mono.defer(this::release).subscribeOn(scheduler).cache();
	}

	/**
	 * A store in the embedded H2 database file {@code contacts.mv.db} in {@code directory}. Nothing is touched until
	 * the first operation, which creates the directory if missing, opens the database and migrates it. The database
	 * stays open while the store is; {@link #close()} closes it and releases the file once the operations already
	 * running have finished, so another store, in this process or another, can open it. Every acknowledged write has
	 * been written to the file, so it survives the process being killed.
	 *
	 * @param directory the directory holding the database file; created if missing
	 * @return a store over that file
	 * @throws IllegalArgumentException if the path contains {@code ;}, which H2 would read as a setting
	 */
	public static R2dbcContactStore h2(Path directory) {
		Objects.requireNonNull(directory, "directory");
		Path absolute = directory.toAbsolutePath().normalize();
		String file = absolute.resolve("contacts").toString();
		if (file.indexOf(';') >= 0) {
			throw new IllegalArgumentException("directory must not contain ';', was " + absolute);
		}
		ConnectionFactory factory = new H2ConnectionFactory(H2ConnectionConfiguration.builder()
				.file(file)
				// H2 writes committed transactions to the file up to WRITE_DELAY (500 ms by default) later, so a
				// killed process would lose writes already acknowledged. With 0 the commit itself writes the file.
				.property("WRITE_DELAY", "0")
				.build());
		return new R2dbcContactStore(factory, absolute, "R2dbcContactStore[h2 " + file + "]");
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once the contact and its endpoints are committed; fails with {@link AlreadyExistsException}
	 * naming the contact if one with the same name is stored
	 */
	@Override
	public Mono<Void> insert(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return withConnection(c -> inTransaction(c, rowsUpdated(bindContact(c.createStatement(INSERT_CONTACT), contact))
				// Every column is bound non-null, so the primary key is the only constraint this row can break.
				.onErrorMap(R2dbcDataIntegrityViolationException.class,
						e -> new AlreadyExistsException(InMemoryContactStore.alreadyExistsMessage(contact.name()), e))
				.thenMany(insertEndPoints(c, contact))))
				.then();
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once the contact and its endpoints are committed; fails with {@link NotFoundException} if no
	 * contact has that name
	 */
	@Override
	public Mono<Void> update(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		String name = contact.name().toString();
		return withConnection(c -> inTransaction(c, rowsUpdated(bindContact(c.createStatement(UPDATE_CONTACT), contact))
				.reduce(0L, Long::sum)
				.flatMapMany(rows -> rows == 0 ? Mono.error(InMemoryContactStore.notFound(contact.name()))
						: rowsUpdated(c.createStatement(DELETE_ENDPOINTS).bind(0, name))
								.thenMany(insertEndPoints(c, contact)))))
				.then();
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return the contact, or empty; fails with {@link IllegalStateException} if its rows cannot be decoded
	 */
	@Override
	public Mono<PeerContact> find(PeerName name) {
		Objects.requireNonNull(name, "name");
		return readOne(c -> contacts(c.createStatement(SELECT_CONTACT).bind(0, name.toString()))).next();
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Streams the rows as the subscriber requests them; fails with {@link IllegalStateException} at the first
	 * contact that cannot be decoded.
	 */
	@Override
	public Flux<PeerContact> findAll() {
		return withConnection(c -> contacts(c.createStatement(SELECT_CONTACTS)));
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Boolean> delete(PeerName name) {
		Objects.requireNonNull(name, "name");
		// The endpoints go with the contact: ON DELETE CASCADE, in the same statement.
		return withConnection(c -> rowsUpdated(c.createStatement(DELETE_CONTACT).bind(0, name.toString())))
				.next()
				.map(rows -> rows > 0);
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once the application and its arguments are committed
	 */
	@Override
	public Mono<Void> saveApplication(PeerApplication application) {
		Objects.requireNonNull(application, "application");
		UUID id = application.id();
		return withConnection(c -> inTransaction(c, rowsUpdated(c.createStatement(MERGE_APPLICATION)
						.bind(0, id)
						.bind(1, application.description())
						.bind(2, application.data())
						.bind(3, application.scope().name())
						.bind(4, application.path()))
				.thenMany(rowsUpdated(c.createStatement(DELETE_ARGUMENTS).bind(0, id)))
				.thenMany(insertArguments(c, id, application.arguments()))))
				.then();
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Boolean> deleteApplication(UUID id) {
		Objects.requireNonNull(id, "id");
		return withConnection(c -> rowsUpdated(c.createStatement(DELETE_APPLICATION).bind(0, id)))
				.next()
				.map(rows -> rows > 0);
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Ordered by the text of the ids, which is their unsigned numeric order. Fails with
	 * {@link IllegalStateException} at the first application that cannot be decoded.
	 */
	@Override
	public Flux<PeerApplication> applications() {
		return withConnection(c -> {
			ApplicationRows rows = new ApplicationRows();
			return Flux.from(c.createStatement(SELECT_APPLICATIONS).execute())
					.concatMap(result -> result.map(rows::read))
					.mapNotNull(completed -> completed.orElse(null))
					.concatWith(Mono.fromSupplier(rows::last));
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once committed; fails with {@link io.peercollab.PayloadTooLargeException} if the key or the
	 * value is longer than its limit
	 */
	@Override
	public Mono<Void> saveSetting(String key, String value) {
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(value, "value");
		return Mono.fromCallable(() -> io.peercollab.Checks.text(value, "value", MAX_SETTING_VALUE_LENGTH))
				.flatMap(v -> withConnection(c -> rowsUpdated(c.createStatement(MERGE_SETTING)
						.bind(0, io.peercollab.Checks.text(key, "key", MAX_SETTING_KEY_LENGTH))
						.bind(1, v))).then());
	}

	/** {@inheritDoc} */
	@Override
	public Mono<java.util.Map<String, String>> settings() {
		return readOne(c -> Flux.from(c.createStatement(SELECT_SETTINGS).execute())
				.concatMap(result -> result.map(row -> java.util.Map.entry(row.get(0, String.class),
						row.get(1, String.class)))))
				.collectMap(java.util.Map.Entry::getKey, java.util.Map.Entry::getValue);
	}

	/**
	 * Refuses further use and, for a store made by {@link #h2(Path)}, closes the database once the operations already
	 * running have finished, releasing the file. A store over a caller's {@link ConnectionFactory} leaves the factory
	 * open. Idempotent: every call returns the same completion.
	 *
	 * @return completes once released
	 */
	@Override
	public Mono<Void> close() {
		return closing;
	}

	@Override
	public String toString() {
		return closed.get() ? description + " (closed)" : description;
	}

	/**
	 * Runs {@code work} on a connection of its own, after the schema is ready, and closes the connection however the
	 * work ends.
	 */
	private <T> Flux<T> withConnection(Function<Connection, Publisher<T>> work) {
		return connected(work).subscribeOn(scheduler);
	}

	/**
	 * As {@link #withConnection}, for a read of one value: on the subscribing thread unless blocking is forbidden
	 * there (see the class comment), where it is moved to the scheduler as every other operation is. The choice is
	 * made at each subscription, on the subscribing thread.
	 */
	private <T> Flux<T> readOne(Function<Connection, Publisher<T>> work) {
		Flux<T> here = connected(work);
		if (scheduler == Schedulers.immediate()) {
			return here;
		}
		Flux<T> moved = here.subscribeOn(scheduler);
		return Flux.defer(() -> Schedulers.isInNonBlockingThread() ? moved : here);
	}

	/** Runs {@code work} on a connection of its own, after the schema is ready, where it is subscribed. */
	private <T> Flux<T> connected(Function<Connection, Publisher<T>> work) {
		return Flux.defer(() -> {
			if (closed.get()) {
				return Flux.<T>error(new IllegalStateException("store is closed"));
			}
			return ready.thenMany(Flux.usingWhen(connectionFactory.create(), work, Connection::close));
		});
	}

	private Mono<Integer> prepare() {
		Mono<Void> open = ownedDirectory == null ? Mono.empty()
				: Mono.fromCallable(() -> Files.createDirectories(ownedDirectory)).then(holdDatabaseOpen());
		return open.then(Mono.usingWhen(connectionFactory.create(), R2dbcContactStoreSchema::migrate, Connection::close));
	}

	/**
	 * H2 closes a database when its last session closes (DB_CLOSE_DELAY 0), and would otherwise reopen the file for
	 * every operation. One session held for the life of the store keeps it open; closing that session in
	 * {@link #close()} is what lets H2 close the database and release the file, without cutting short the operations
	 * still running, as {@code SHUTDOWN} would.
	 */
	private Mono<Void> holdDatabaseOpen() {
		return Mono.defer(() -> {
			if (anchor.get() != null) {
				return Mono.empty(); // held by an earlier attempt whose migration failed
			}
			return Mono.from(connectionFactory.create()).flatMap(connection -> {
				if (!anchor.compareAndSet(null, connection)) {
					return Mono.from(connection.close());
				}
				// close() may have run between the check in withConnection and now: then this session is ours to close.
				return closed.get() ? releaseAnchor() : Mono.empty();
			});
		});
	}

	private Mono<Void> release() {
		closed.set(true);
		return releaseAnchor();
	}

	private Mono<Void> releaseAnchor() {
		Connection held = anchor.getAndSet(null);
		return held == null ? Mono.empty() : Mono.from(held.close());
	}


	/** @return the contacts of a {@link #SELECT_CONTACT_ROWS} query, each with its endpoints */
	private Flux<PeerContact> contacts(Statement select) {
		ContactRows rows = new ContactRows(certificates);
		return Flux.from(select.execute())
				.concatMap(result -> result.map(rows::read))
				.mapNotNull(completed -> completed.orElse(null))
				.concatWith(Mono.fromSupplier(rows::last));
	}

	/**
	 * Runs {@code work} in a transaction of {@code connection}: commits when it completes, rolls back when it fails.
	 * If it is cancelled, closing the connection rolls back.
	 */
	private static <T> Flux<T> inTransaction(Connection connection, Publisher<T> work) {
		return Mono.from(connection.beginTransaction())
				.thenMany(work)
				.concatWith(Mono.from(connection.commitTransaction()).then(Mono.empty()))
				.onErrorResume(e -> Mono.from(connection.rollbackTransaction())
						.onErrorResume(rollback -> {
							e.addSuppressed(rollback);
							return Mono.empty();
						})
						.then(Mono.error(e)));
	}

	// Binary columns are bound and read as byte[], not the R2DBC-standard ByteBuffer: r2dbc-h2 turns a ByteBuffer
	// into a BLOB by blocking on a stream, which hangs when the statement runs on a boundedElastic worker.
	private static Statement bindContact(Statement statement, PeerContact contact) {
		return statement.bind(0, contact.name().toString())
				.bind(1, contact.nickname())
				.bind(2, contact.displayName())
				.bind(3, contact.email())
				.bind(4, der(contact.certificate()))
				.bind(5, contact.subscribed())
				.bind(6, contact.subscribeAllowed().name());
	}

	private static Flux<Long> insertEndPoints(Connection connection, PeerContact contact) {
		List<PeerEndPoint> endPoints = contact.endPoints();
		if (endPoints.isEmpty()) {
			return Flux.empty();
		}
		String name = contact.name().toString();
		Statement statement = connection.createStatement(INSERT_ENDPOINT);
		for (int position = 0; position < endPoints.size(); position++) {
			if (position > 0) {
				statement.add();
			}
			bindEndPoint(statement, name, position, endPoints.get(position));
		}
		return rowsUpdated(statement);
	}

	/**
	 * Binds one row of {@code contact_endpoints}, in the column order {@code contact_name, position, name, host,
	 * address, scope_id, port}.
	 */
	static void bindEndPoint(Statement statement, String contactName, int position, PeerEndPoint endPoint) {
		InetSocketAddress socket = endPoint.tcpAddress();
		InetAddress ip = socket.getAddress();
		statement.bind(0, contactName).bind(1, position).bind(2, endPoint.name());
		if (ip == null) {
			statement.bind(3, socket.getHostString()).bindNull(4, byte[].class).bind(5, 0);
		}
		else {
			String host = socket.getHostString();
			// No host name known (getHostString() falls back to the literal): storing the literal as a host name
			// would invent one on the way back.
			if (host.equals(ip.getHostAddress())) {
				statement.bindNull(3, String.class);
			}
			else {
				statement.bind(3, host);
			}
			statement.bind(4, ip.getAddress()).bind(5, ip instanceof Inet6Address v6 ? v6.getScopeId() : 0);
		}
		statement.bind(6, socket.getPort());
	}

	private static Flux<Long> insertArguments(Connection connection, UUID id, List<String> arguments) {
		if (arguments.isEmpty()) {
			return Flux.empty();
		}
		Statement statement = connection.createStatement(INSERT_ARGUMENT);
		for (int position = 0; position < arguments.size(); position++) {
			if (position > 0) {
				statement.add();
			}
			statement.bind(0, id).bind(1, position).bind(2, arguments.get(position));
		}
		return rowsUpdated(statement);
	}

	private static Flux<Long> rowsUpdated(Statement statement) {
		return Flux.from(statement.execute()).concatMap(Result::getRowsUpdated);
	}

	/**
	 * Reads and decodes one column, naming it in any failure. A null is refused rather than let through to a record
	 * that would silently turn it into a default.
	 */
	private static <T, R> R column(Readable row, int index, String column, Class<T> type, Function<T, R> decoder) {
		T value;
		try {
			value = row.get(index, type);
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException("column " + column + ": " + e.getMessage(), e);
		}
		return decoded(value, column, decoder);
	}

	/** @return a column's value, or {@code null}; a failure to read it names the column */
	private static <T> T optionalColumn(Readable row, int index, String column, Class<T> type) {
		try {
			return row.get(index, type);
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException("column " + column + ": " + e.getMessage(), e);
		}
	}

	/**
	 * Decodes a column's value already read, as {@link #column} does: a null is refused, any failure names the
	 * column. For a value the caller needed before decoding it, so that the row is not asked for it twice.
	 */
	private static <T, R> R decoded(T value, String column, Function<T, R> decoder) {
		try {
			if (value == null) {
				throw new IllegalArgumentException("is null");
			}
			return decoder.apply(value);
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException("column " + column + ": " + e.getMessage(), e);
		}
	}

	/** @return the constant named {@code text}: a look along a short array, cheaper than {@link Enum#valueOf} */
	private static <E extends Enum<E>> E constant(E[] constants, String text) {
		for (E constant : constants) {
			if (constant.name().equals(text)) {
				return constant;
			}
		}
		throw new IllegalArgumentException("'" + text + "' is not a "
				+ constants[0].getDeclaringClass().getSimpleName());
	}

	private static byte[] der(X509Certificate certificate) {
		try {
			return certificate.getEncoded();
		}
		catch (CertificateEncodingException e) {
			throw new IllegalArgumentException("the certificate cannot be encoded: " + e.getMessage(), e);
		}
	}

	/**
	 * Checks the position of a child row: a parent's children are read in order and numbered from 0 without gaps.
	 *
	 * @return the position
	 */
	private static int position(Readable row, int index, String table, int expected) {
		return position(column(row, index, "position", Integer.class, Function.identity()), table, expected);
	}

	/** As {@link #position(Readable, int, String, int)}, for a position already read. */
	private static int position(int position, String table, int expected) {
		if (position != expected) {
			throw new IllegalArgumentException("table " + table + ": position " + position + " where " + expected
					+ " was expected");
		}
		return position;
	}

	/**
	 * Assembles contacts from the rows of {@link #SELECT_CONTACT_ROWS}, ordered by name then position: a contact's
	 * columns come again on each of its endpoints' rows and are decoded from the first. One per query; rows arrive one
	 * at a time.
	 */
	private static final class ContactRows {

		/** The columns of {@link #SELECT_CONTACT_ROWS} by index, for messages. */
		private static final String[] COLUMNS = { "name", "nickname", "display_name", "email", "certificate",
				"subscribed", "subscribe_allowed", "position", "name", "host", "address", "scope_id", "port" };

		private final Certificates certificates;
		/** The contact being assembled: its name as stored, or null before the first row. */
		private String name;
		private PeerName peerName;
		private String nickname;
		private String displayName;
		private String email;
		private X509Certificate certificate;
		private boolean subscribed;
		private SubscribeAllowed subscribeAllowed;
		private List<PeerEndPoint> endPoints;
		/** Why the contact being assembled cannot be read, once the one before it has been emitted. */
		private IllegalStateException failure;

		ContactRows(Certificates certificates) {
			this.certificates = certificates;
		}

		/** @return the contact completed by this row, which starts the next one; empty if this row continues it */
		Optional<PeerContact> read(Readable row) {
			throwFailure();
			String rowName = row.get(0, String.class);
			PeerContact completed = null;
			if (!Objects.equals(rowName, name)) {
				completed = last();
			}
			try {
				if (name == null) {
					start(rowName, row);
				}
				// the position, null on the one row of a contact without endpoints; read once, as the other columns
				Integer position = optionalColumn(row, 7, "position", Integer.class);
				if (position != null) {
					endPoints = append(endPoints, endPoint(row, position, endPoints.size()));
				}
			}
			catch (RuntimeException e) {
				failure = unreadable(e);
				if (completed == null) {
					throwFailure();
				}
				// The contact before this row is whole: emit it, fail at the next signal.
			}
			return Optional.ofNullable(completed);
		}

		/** @return the contact being assembled, once no row is left; null if there was none */
		PeerContact last() {
			throwFailure();
			if (name == null) {
				return null;
			}
			try {
				return new PeerContact(peerName, nickname, displayName, email, certificate, endPoints, subscribed,
						subscribeAllowed);
			}
			catch (RuntimeException e) {
				throw unreadable(e);
			}
			finally {
				name = null;
			}
		}

		// The columns are read each with its own type at its own call site, rather than through the generic
		// column(...), and the failure names the column from its index: a listing reads 13 columns per row.
		private void start(String rowName, Readable row) {
			name = rowName;
			int column = 0;
			try {
				peerName = PeerName.parse(present(rowName));
				column = 1;
				nickname = present(row.get(1, String.class));
				column = 2;
				displayName = present(row.get(2, String.class));
				column = 3;
				email = present(row.get(3, String.class));
				column = 4;
				certificate = certificates.get(present(row.get(4, byte[].class)));
				column = 5;
				subscribed = present(row.get(5, Boolean.class));
				column = 6;
				subscribeAllowed = constant(SUBSCRIBE_ALLOWED, present(row.get(6, String.class)));
			}
			catch (RuntimeException e) {
				throw new IllegalArgumentException("column " + COLUMNS[column] + ": " + e.getMessage(), e);
			}
			endPoints = List.of();
		}

		/** @return {@code value}; refuses a null rather than let a record turn it into a default */
		private static <T> T present(T value) {
			if (value == null) {
				throw new IllegalArgumentException("is null");
			}
			return value;
		}

		private static List<PeerEndPoint> append(List<PeerEndPoint> endPoints, PeerEndPoint endPoint) {
			if (endPoints.isEmpty()) {
				// One endpoint, the usual case, stays an immutable list, which PeerContact keeps without a copy.
				return List.of(endPoint);
			}
			List<PeerEndPoint> more = endPoints.size() == 1 ? new ArrayList<>(endPoints) : endPoints;
			more.add(endPoint);
			return more;
		}

		private void throwFailure() {
			if (failure != null) {
				throw failure;
			}
		}

		private static PeerEndPoint endPoint(Readable row, int read, int expected) {
			int position = position(read, "contact_endpoints", expected);
			try {
				String name;
				String host;
				byte[] address;
				int scope;
				int port;
				int column = 8;
				try {
					name = present(row.get(8, String.class));
					column = 9;
					host = row.get(9, String.class);
					column = 10;
					address = row.get(10, byte[].class);
					column = 11;
					scope = present(row.get(11, Integer.class));
					column = 12;
					port = present(row.get(12, Integer.class));
				}
				catch (RuntimeException e) {
					throw new IllegalArgumentException("column " + COLUMNS[column] + ": " + e.getMessage(), e);
				}
				InetSocketAddress socket;
				if (address == null) {
					socket = InetSocketAddress.createUnresolved(Objects.requireNonNull(host,
							"host and address are both null"), port);
				}
				else if (address.length == 16) {
					// Scope 0 means none: setting it would print as "%0" in the address's text.
					socket = new InetSocketAddress(Inet6Address.getByAddress(host, address, scope == 0 ? -1 : scope),
							port);
				}
				else {
					socket = new InetSocketAddress(InetAddress.getByAddress(host, address), port);
				}
				return new PeerEndPoint(name, socket);
			}
			catch (UnknownHostException | RuntimeException e) {
				throw new IllegalArgumentException("table contact_endpoints, position " + position + ": "
						+ e.getMessage(), e);
			}
		}

		private IllegalStateException unreadable(RuntimeException e) {
			return new IllegalStateException("the stored contact '" + name + "' (table contacts) cannot be read: "
					+ e.getMessage() + "; repair or delete that row", e);
		}
	}

	/**
	 * Assembles applications from the rows of {@link #SELECT_APPLICATIONS}, as {@link ContactRows} does contacts.
	 */
	private static final class ApplicationRows {

		/** The application being assembled, or null before the first row. */
		private UUID id;
		private String description;
		private byte[] data;
		private PeerScope scope;
		private String path;
		private List<String> arguments;
		/** Why the application being assembled cannot be read, once the one before it has been emitted. */
		private IllegalStateException failure;

		/** @return the application completed by this row, which starts the next one; empty if this row continues it */
		Optional<PeerApplication> read(Readable row) {
			throwFailure();
			UUID rowId = row.get(0, UUID.class);
			PeerApplication completed = null;
			if (!Objects.equals(rowId, id)) {
				completed = last();
			}
			try {
				if (id == null) {
					start(rowId, row);
				}
				if (row.get(5) != null) {
					position(row, 5, "application_arguments", arguments.size());
					arguments.add(column(row, 6, "argument", String.class, Function.identity()));
				}
			}
			catch (RuntimeException e) {
				failure = unreadable(e);
				if (completed == null) {
					throwFailure();
				}
			}
			return Optional.ofNullable(completed);
		}

		/** @return the application being assembled, once no row is left; null if there was none */
		PeerApplication last() {
			throwFailure();
			if (id == null) {
				return null;
			}
			try {
				return new PeerApplication(id, description, data, scope, path, arguments);
			}
			catch (RuntimeException e) {
				throw unreadable(e);
			}
			finally {
				id = null;
			}
		}

		private void start(UUID rowId, Readable row) {
			id = rowId;
			column(row, 0, "id", UUID.class, Function.identity());
			description = column(row, 1, "description", String.class, Function.identity());
			data = column(row, 2, "data", byte[].class, Function.identity());
			scope = column(row, 3, "scope", String.class, text -> constant(SCOPES, text));
			path = column(row, 4, "path", String.class, Function.identity());
			arguments = new ArrayList<>();
		}

		private void throwFailure() {
			if (failure != null) {
				throw failure;
			}
		}

		private IllegalStateException unreadable(RuntimeException e) {
			return new IllegalStateException("the stored application '" + id + "' (table applications) cannot be "
					+ "read: " + e.getMessage() + "; repair or delete that row", e);
		}
	}

	/**
	 * Parsed certificates by their DER encoding, at most about {@code capacity} of them. Parsing a certificate costs
	 * more than reading its whole row; the same encoding parses to an equal value every time, and
	 * {@link X509Certificate}s are immutable and safe to share between threads, as the JDK's own certificate cache
	 * shares them. Lookups take no lock.
	 */
	static final class Certificates {

		/**
		 * A factory per thread: {@link CertificateFactory} is not documented as thread-safe, and looking one up per
		 * certificate (through the security providers) costs about as much as a short row; a listing of certificates
		 * not yet cached parses one per row, on one thread.
		 */
		private static final ThreadLocal<CertificateFactory> FACTORY = ThreadLocal.withInitial(() -> {
			try {
				return CertificateFactory.getInstance("X.509");
			}
			catch (CertificateException e) {
				throw new IllegalStateException("X.509 is required by every Java platform", e);
			}
		});

		private final int capacity;
		private final ConcurrentHashMap<Der, X509Certificate> parsed = new ConcurrentHashMap<>();

		Certificates(int capacity) {
			this.capacity = capacity;
		}

		/**
		 * @param der the encoding, owned by the cache from now on
		 * @return the certificate
		 * @throws IllegalArgumentException if {@code der} is not an X.509 certificate
		 */
		X509Certificate get(byte[] der) {
			Der key = new Der(der);
			X509Certificate certificate = parsed.get(key);
			if (certificate == null) {
				// Two readers of a new certificate may both parse it; the second one's copy replaces the first.
				certificate = parse(der);
				if (parsed.size() >= capacity) {
					// Make room by dropping whichever entry comes first: unlike the least recently used one, that
					// leaves a listing of more certificates than fit some hits.
					Iterator<Der> first = parsed.keySet().iterator();
					if (first.hasNext()) {
						parsed.remove(first.next());
					}
				}
				parsed.put(key, certificate);
			}
			return certificate;
		}

		/** @return how many certificates are kept */
		int size() {
			return parsed.size();
		}

		private static X509Certificate parse(byte[] der) {
			try {
				return (X509Certificate) FACTORY.get().generateCertificate(new ByteArrayInputStream(der));
			}
			catch (CertificateException | ClassCastException e) {
				throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
			}
		}

		/** A DER encoding as a key: equal by content. */
		private static final class Der {

			/** Bytes hashed from the end: a certificate ends with its signature, as good as random. */
			private static final int HASHED = 32;

			private final byte[] bytes;
			private final int hash;

			Der(byte[] bytes) {
				this.bytes = bytes;
				int h = bytes.length;
				for (int i = Math.max(0, bytes.length - HASHED); i < bytes.length; i++) {
					h = 31 * h + bytes[i];
				}
				this.hash = h;
			}

			@Override
			public boolean equals(Object o) {
				return o instanceof Der other && hash == other.hash && Arrays.equals(bytes, other.bytes);
			}

			@Override
			public int hashCode() {
				return hash;
			}
		}
	}
}
