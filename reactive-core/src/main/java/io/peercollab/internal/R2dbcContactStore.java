package io.peercollab.internal;

import java.io.ByteArrayInputStream;
import java.net.Inet4Address;
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
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.peercollab.AlreadyExistsException;
import io.peercollab.IpLiterals;
import io.peercollab.NotFoundException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.ContactStore;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
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
 * Created and migrated on first use, once per store instance. Table {@code schema_version} holds one row per applied
 * version; version 1 creates:
 * <ul>
 *   <li>{@code contacts}: {@code name} (the {@link PeerName} as text, primary key), {@code nickname},
 *   {@code display_name}, {@code email}, {@code certificate} (DER), {@code endpoints} (see below), {@code subscribed},
 *   {@code subscribe_allowed} (the enum constant's name);</li>
 *   <li>{@code applications}: {@code id} (UUID, primary key), {@code description}, {@code data}, {@code scope} (the
 *   enum constant's name), {@code path}, {@code arguments} (see below).</li>
 * </ul>
 * A database whose schema is newer than this code knows is refused with an {@link IllegalStateException} rather than
 * misread.
 *
 * <h2>List columns</h2>
 * {@code endpoints} and {@code arguments} hold a list as text, one item per line, each line ended by {@code \n} (so
 * an empty list is {@code ""} and a list of one empty argument is {@code "\n"}). Inside an item, {@code %},
 * {@code |}, {@code \n} and {@code \r} are written {@code %25}, {@code %7C}, {@code %0A} and {@code %0D}. An
 * argument is one escaped string. An endpoint is four fields separated by {@code |}:
 * {@code name|host|address|port}, where {@code name} is the escaped endpoint name, {@code host} the escaped host name
 * ({@code ""} when only the address is known), {@code address} the IP literal ({@code ""} for an unresolved address;
 * dotted IPv4; or IPv6 as eight hexadecimal groups, with {@code %scopeId} when scoped) and {@code port} in decimal.
 * Reading an address never looks anything up in DNS.
 *
 * <h2>Reading</h2>
 * A stored row that cannot be decoded (a malformed field, a value this code does not know) fails the stream with an
 * {@link IllegalStateException} naming the row and the reason; nothing is skipped or defaulted.
 *
 * <h2>Connections and threads</h2>
 * Each operation takes its own connection from the factory and closes it when done, so concurrent operations run in
 * separate sessions and transactions that the database isolates; a single shared connection would interleave the
 * statements of concurrent operations on one session. Give the factory a pool if connecting is expensive. Every write
 * runs in auto-commit mode and its {@code Mono} completes after the commit. r2dbc-h2 executes on the calling thread
 * and H2 does file I/O there, so with an H2 factory every operation is subscribed on
 * {@link Schedulers#boundedElastic()} and signals arrive there; other drivers keep their own threads.
 */
public final class R2dbcContactStore implements ContactStore {

	private static final int SCHEMA_VERSION = 1;

	/** The statements of each schema version; index 0 holds version 1. */
	private static final List<List<String>> MIGRATIONS = List.of(List.of(
			"CREATE TABLE IF NOT EXISTS contacts ("
					+ "name VARCHAR(256) PRIMARY KEY, "
					+ "nickname VARCHAR(255) NOT NULL, "
					+ "display_name VARCHAR(255) NOT NULL, "
					+ "email VARCHAR(254) NOT NULL, "
					+ "certificate VARBINARY NOT NULL, "
					+ "endpoints VARCHAR NOT NULL, "
					+ "subscribed BOOLEAN NOT NULL, "
					+ "subscribe_allowed VARCHAR(16) NOT NULL)",
			"CREATE TABLE IF NOT EXISTS applications ("
					+ "id UUID PRIMARY KEY, "
					+ "description VARCHAR(255) NOT NULL, "
					+ "data VARBINARY NOT NULL, "
					+ "scope VARCHAR(16) NOT NULL, "
					+ "path VARCHAR(4096) NOT NULL, "
					+ "arguments VARCHAR NOT NULL)"));

	private static final String CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version ("
			+ "version INT PRIMARY KEY, applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)";
	private static final String SELECT_SCHEMA_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version";
	private static final String INSERT_SCHEMA_VERSION = "INSERT INTO schema_version (version) VALUES ($1)";

	private static final String CONTACT_COLUMNS =
			"name, nickname, display_name, email, certificate, endpoints, subscribed, subscribe_allowed";
	private static final String INSERT_CONTACT =
			"INSERT INTO contacts (" + CONTACT_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	private static final String UPDATE_CONTACT = "UPDATE contacts SET nickname = $2, display_name = $3, email = $4, "
			+ "certificate = $5, endpoints = $6, subscribed = $7, subscribe_allowed = $8 WHERE name = $1";
	// H2 compares VARCHAR like String.compareTo, and an authority is "0" or 52 characters of a-z2-7, so the text order
	// of "authority.classifier" is exactly PeerName's order.
	private static final String SELECT_CONTACTS = "SELECT " + CONTACT_COLUMNS + " FROM contacts ORDER BY name";
	private static final String SELECT_CONTACT = "SELECT " + CONTACT_COLUMNS + " FROM contacts WHERE name = $1";
	private static final String DELETE_CONTACT = "DELETE FROM contacts WHERE name = $1";

	private static final String APPLICATION_COLUMNS = "id, description, data, scope, path, arguments";
	private static final String MERGE_APPLICATION =
			"MERGE INTO applications (" + APPLICATION_COLUMNS + ") KEY (id) VALUES ($1, $2, $3, $4, $5, $6)";
	// H2 orders UUIDs as unsigned 128-bit numbers, which is also the order of their text.
	private static final String SELECT_APPLICATIONS = "SELECT " + APPLICATION_COLUMNS + " FROM applications ORDER BY id";
	private static final String DELETE_APPLICATION = "DELETE FROM applications WHERE id = $1";

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
		this.ready = Mono.defer(this::prepare).cacheInvalidateIf(version -> false);
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
	 * @return completes once committed; fails with {@link AlreadyExistsException} naming the contact if one with the
	 * same name is stored
	 */
	@Override
	public Mono<Void> insert(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return withConnection(c -> rowsUpdated(bindContact(c.createStatement(INSERT_CONTACT), contact)))
				// Every column is bound non-null, so the primary key is the only constraint an insert can break.
				.onErrorMap(R2dbcDataIntegrityViolationException.class,
						e -> new AlreadyExistsException(InMemoryContactStore.alreadyExistsMessage(contact.name()), e))
				.then();
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once committed; fails with {@link NotFoundException} if no contact has that name
	 */
	@Override
	public Mono<Void> update(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return withConnection(c -> rowsUpdated(bindContact(c.createStatement(UPDATE_CONTACT), contact)))
				.next()
				.flatMap(rows -> rows == 0 ? Mono.error(InMemoryContactStore.notFound(contact.name())) : Mono.empty());
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return the contact, or empty; fails with {@link IllegalStateException} if its row cannot be decoded
	 */
	@Override
	public Mono<PeerContact> find(PeerName name) {
		Objects.requireNonNull(name, "name");
		return withConnection(c -> rows(c.createStatement(SELECT_CONTACT).bind(0, name.toString()),
				R2dbcContactStore::decodeContact)).next();
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Streams the rows as the subscriber requests them; fails with {@link IllegalStateException} at the first row
	 * that cannot be decoded.
	 */
	@Override
	public Flux<PeerContact> findAll() {
		return withConnection(c -> rows(c.createStatement(SELECT_CONTACTS), R2dbcContactStore::decodeContact));
	}

	/** {@inheritDoc} */
	@Override
	public Mono<Boolean> delete(PeerName name) {
		Objects.requireNonNull(name, "name");
		return withConnection(c -> rowsUpdated(c.createStatement(DELETE_CONTACT).bind(0, name.toString())))
				.next()
				.map(rows -> rows > 0);
	}

	/**
	 * {@inheritDoc}
	 *
	 * @return completes once committed
	 */
	@Override
	public Mono<Void> saveApplication(PeerApplication application) {
		Objects.requireNonNull(application, "application");
		return withConnection(c -> rowsUpdated(c.createStatement(MERGE_APPLICATION)
				.bind(0, application.id())
				.bind(1, application.description())
				.bind(2, application.data())
				.bind(3, application.scope().name())
				.bind(4, application.path())
				.bind(5, Lines.encode(application.arguments(), Lines::escape))))
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
	 * {@link IllegalStateException} at the first row that cannot be decoded.
	 */
	@Override
	public Flux<PeerApplication> applications() {
		return withConnection(c -> rows(c.createStatement(SELECT_APPLICATIONS), R2dbcContactStore::decodeApplication));
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
		return Flux.defer(() -> {
					if (closed.get()) {
						return Flux.<T>error(new IllegalStateException("store is closed"));
					}
					return ready.thenMany(Flux.usingWhen(connectionFactory.create(), work, Connection::close));
				})
				.subscribeOn(scheduler);
	}

	private Mono<Integer> prepare() {
		Mono<Void> open = ownedDirectory == null ? Mono.empty()
				: Mono.fromCallable(() -> Files.createDirectories(ownedDirectory)).then(holdDatabaseOpen());
		return open.then(Mono.usingWhen(connectionFactory.create(), R2dbcContactStore::migrate, Connection::close));
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

	/**
	 * Brings the schema to {@link #SCHEMA_VERSION}. H2 commits DDL implicitly, so a version cannot be applied in one
	 * transaction: instead every statement is idempotent ({@code IF NOT EXISTS}) and the version row is written last.
	 * A migration interrupted half-way is redone on the next open, and two stores migrating the same database at
	 * once both succeed: the second one's version row is a duplicate and is ignored.
	 *
	 * @return the schema version now in place
	 */
	private static Mono<Integer> migrate(Connection connection) {
		return rowsUpdated(connection.createStatement(CREATE_SCHEMA_VERSION))
				.thenMany(rows(connection.createStatement(SELECT_SCHEMA_VERSION),
						row -> Objects.requireNonNull(row.get("version", Integer.class), "version")))
				.next()
				.flatMap(current -> {
					if (current > SCHEMA_VERSION) {
						return Mono.error(new IllegalStateException("the contact database has schema version " + current
								+ ", newer than version " + SCHEMA_VERSION + " that this PeerCollab knows; "
								+ "use a newer PeerCollab, or another database"));
					}
					return Flux.range(current + 1, SCHEMA_VERSION - current)
							.concatMap(version -> apply(connection, version))
							.then(Mono.just(SCHEMA_VERSION));
				});
	}

	private static Mono<Void> apply(Connection connection, int version) {
		return Flux.fromIterable(MIGRATIONS.get(version - 1))
				.concatMap(sql -> rowsUpdated(connection.createStatement(sql)))
				.thenMany(rowsUpdated(connection.createStatement(INSERT_SCHEMA_VERSION).bind(0, version)))
				.onErrorResume(R2dbcDataIntegrityViolationException.class, e -> Mono.empty())
				.then();
	}

	// Binary columns are bound and read as byte[], not the R2DBC-standard ByteBuffer: r2dbc-h2 turns a ByteBuffer
	// into a BLOB by blocking on a stream, which hangs when the statement runs on a boundedElastic worker.
	private static Statement bindContact(Statement statement, PeerContact contact) {
		return statement.bind(0, contact.name().toString())
				.bind(1, contact.nickname())
				.bind(2, contact.displayName())
				.bind(3, contact.email())
				.bind(4, der(contact.certificate()))
				.bind(5, Lines.encode(contact.endPoints(), EndPoints::encode))
				.bind(6, contact.subscribed())
				.bind(7, contact.subscribeAllowed().name());
	}

	private static Flux<Long> rowsUpdated(Statement statement) {
		return Flux.from(statement.execute()).concatMap(Result::getRowsUpdated);
	}

	private static <T> Flux<T> rows(Statement statement, Function<Readable, T> decoder) {
		return Flux.from(statement.execute()).concatMap(result -> result.map(decoder));
	}

	private static PeerContact decodeContact(Readable row) {
		String name = row.get("name", String.class);
		try {
			return new PeerContact(column(row, "name", String.class, PeerName::parse),
					column(row, "nickname", String.class, Function.identity()),
					column(row, "display_name", String.class, Function.identity()),
					column(row, "email", String.class, Function.identity()),
					column(row, "certificate", byte[].class, R2dbcContactStore::certificate),
					column(row, "endpoints", String.class, text -> Lines.decode(text, EndPoints::decode)),
					column(row, "subscribed", Boolean.class, Function.identity()),
					column(row, "subscribe_allowed", String.class, text -> constant(SubscribeAllowed.class, text)));
		}
		catch (RuntimeException e) {
			throw new IllegalStateException("the stored contact '" + name + "' (table contacts) cannot be read: "
					+ e.getMessage() + "; repair or delete that row", e);
		}
	}

	private static PeerApplication decodeApplication(Readable row) {
		Object id = row.get("id");
		try {
			return new PeerApplication(column(row, "id", UUID.class, Function.identity()),
					column(row, "description", String.class, Function.identity()),
					column(row, "data", byte[].class, Function.identity()),
					column(row, "scope", String.class, text -> constant(PeerScope.class, text)),
					column(row, "path", String.class, Function.identity()),
					column(row, "arguments", String.class, text -> Lines.decode(text, Lines::unescape)));
		}
		catch (RuntimeException e) {
			throw new IllegalStateException("the stored application '" + id + "' (table applications) cannot be read: "
					+ e.getMessage() + "; repair or delete that row", e);
		}
	}

	/**
	 * Reads and decodes one column, naming it in any failure. Every column is declared NOT NULL, and a null is
	 * refused rather than let through to a record that would silently turn it into a default.
	 */
	private static <T, R> R column(Readable row, String column, Class<T> type, Function<T, R> decoder) {
		try {
			T value = row.get(column, type);
			if (value == null) {
				throw new IllegalArgumentException("is null");
			}
			return decoder.apply(value);
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException("column " + column + ": " + e.getMessage(), e);
		}
	}

	private static <E extends Enum<E>> E constant(Class<E> type, String text) {
		try {
			return Enum.valueOf(type, text);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("'" + text + "' is not a " + type.getSimpleName(), e);
		}
	}

	private static byte[] der(X509Certificate certificate) {
		try {
			return certificate.getEncoded();
		}
		catch (CertificateEncodingException e) {
			throw new IllegalArgumentException("the certificate cannot be encoded: " + e.getMessage(), e);
		}
	}

	private static X509Certificate certificate(byte[] der) {
		try {
			// A factory per call: CertificateFactory is not documented as thread-safe.
			return (X509Certificate) CertificateFactory.getInstance("X.509")
					.generateCertificate(new ByteArrayInputStream(der));
		}
		catch (CertificateException | ClassCastException e) {
			throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
		}
	}

	/**
	 * The text of a list column: one item per line, each ended by {@code \n}, with {@code %}, {@code |}, {@code \n}
	 * and {@code \r} percent-escaped inside items.
	 */
	static final class Lines {

		private Lines() {
		}

		static <T> String encode(List<T> items, Function<T, String> encoder) {
			StringBuilder out = new StringBuilder();
			for (T item : items) {
				out.append(encoder.apply(item)).append('\n');
			}
			return out.toString();
		}

		static <T> List<T> decode(String text, Function<String, T> decoder) {
			if (text.isEmpty()) {
				return List.of();
			}
			if (text.charAt(text.length() - 1) != '\n') {
				throw new IllegalArgumentException("list text must end with a line feed");
			}
			String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
			List<T> items = new ArrayList<>(lines.length);
			for (int i = 0; i < lines.length; i++) {
				try {
					items.add(decoder.apply(lines[i]));
				}
				catch (RuntimeException e) {
					throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
				}
			}
			return items;
		}

		static String escape(String s) {
			StringBuilder out = new StringBuilder(s.length());
			for (int i = 0; i < s.length(); i++) {
				char c = s.charAt(i);
				switch (c) {
					case '%' -> out.append("%25");
					case '|' -> out.append("%7C");
					case '\n' -> out.append("%0A");
					case '\r' -> out.append("%0D");
					default -> out.append(c);
				}
			}
			return out.toString();
		}

		static String unescape(String s) {
			if (s.indexOf('%') < 0) {
				return s;
			}
			StringBuilder out = new StringBuilder(s.length());
			for (int i = 0; i < s.length(); i++) {
				char c = s.charAt(i);
				if (c != '%') {
					out.append(c);
					continue;
				}
				if (i + 2 >= s.length()) {
					throw new IllegalArgumentException("'%' at " + i + " is not followed by two hexadecimal digits");
				}
				int hi = Character.digit(s.charAt(i + 1), 16);
				int lo = Character.digit(s.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					throw new IllegalArgumentException("'%' at " + i + " is not followed by two hexadecimal digits");
				}
				out.append((char) (hi * 16 + lo));
				i += 2;
			}
			return out.toString();
		}
	}

	/** One endpoint as one line: {@code name|host|address|port}. */
	static final class EndPoints {

		private EndPoints() {
		}

		static String encode(PeerEndPoint endPoint) {
			InetSocketAddress socket = endPoint.address();
			InetAddress ip = socket.getAddress();
			String host = socket.getHostString();
			String literal = "";
			if (ip != null) {
				literal = literal(ip);
				if (host.equals(ip.getHostAddress())) {
					host = ""; // no host name known; writing the literal as one would invent one on the way back
				}
			}
			return Lines.escape(endPoint.name()) + '|' + Lines.escape(host) + '|' + literal + '|' + socket.getPort();
		}

		static PeerEndPoint decode(String line) {
			String[] fields = line.split("\\|", -1);
			if (fields.length != 4) {
				throw new IllegalArgumentException("an endpoint needs 4 fields name|host|address|port, found "
						+ fields.length);
			}
			String name = Lines.unescape(fields[0]);
			String host = Lines.unescape(fields[1]);
			int port = port(fields[3]);
			InetSocketAddress socket = fields[2].isEmpty() ? InetSocketAddress.createUnresolved(host, port)
					: new InetSocketAddress(address(host.isEmpty() ? null : host, fields[2]), port);
			return new PeerEndPoint(name, socket);
		}

		private static String literal(InetAddress ip) {
			if (ip instanceof Inet4Address) {
				return ip.getHostAddress();
			}
			// Written from the bytes rather than getHostAddress(), which may end in an interface name that the
			// machine reading it back does not have; the numeric scope always parses.
			byte[] b = ip.getAddress();
			StringBuilder out = new StringBuilder(39);
			for (int i = 0; i < 16; i += 2) {
				if (i > 0) {
					out.append(':');
				}
				out.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff)));
			}
			int scope = ((Inet6Address) ip).getScopeId();
			if (scope != 0) {
				out.append('%').append(scope);
			}
			return out.toString();
		}

		private static InetAddress address(String host, String literal) {
			InetAddress ip = IpLiterals.parseAddress(literal);
			try {
				return ip instanceof Inet6Address v6
						? Inet6Address.getByAddress(host, v6.getAddress(), v6.getScopeId() == 0 ? -1 : v6.getScopeId())
						: InetAddress.getByAddress(host, ip.getAddress());
			}
			catch (UnknownHostException e) {
				throw new IllegalArgumentException("address " + literal + ": " + e.getMessage(), e);
			}
		}

		private static int port(String text) {
			return number(text, 1, 65_535, "port");
		}

		private static int number(String text, int min, int max, String what) {
			int value;
			try {
				value = Integer.parseInt(text);
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException(what + " '" + text + "' is not a number", e);
			}
			if (value < min || value > max || !text.equals(Integer.toString(value))) {
				throw new IllegalArgumentException(what + " '" + text + "' is not between " + min + " and " + max);
			}
			return value;
		}
	}
}
