// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.contact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.peercollab.PeerEndPoint;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The contact store on an H2 file holding {@value #CONTACTS} contacts ({@code ContactStores.h2(dir)}, the default
 * store): add one contact, find one by name, list them all; against the same statements issued with bare R2DBC on an
 * H2 file of the same schema and settings ({@code WRITE_DELAY=0}, so that a commit is on disk when it completes),
 * with the idiom R2DBC documents for a connection factory without a pool: one connection per operation
 * ({@code usingWhen}), while one more connection keeps the database open, as the library does.
 *
 * <p>The schema is the library's (version 2): each contact's endpoints in rows of their own. The baseline issues the
 * statements the library issues — a join of a contact with its endpoints to read; the contact's row and its
 * endpoints' rows in one transaction to add — and reads every column of every row it returns into plain values
 * (strings, bytes, numbers, booleans); the library also turns them into {@link PeerContact}s, with the certificate,
 * the name and the endpoints parsed. The {@code ...ListColumn} methods are a reference: the same reads and writes on
 * the layout of schema version 1, where the endpoints were one text column of the contact's row; and
 * {@code bareSelectOneOnBoundedElastic} is the bare read with the thread hop that the library makes so as not to run
 * H2's file I/O on its caller's thread.
 *
 * <p>The stored contacts have unsecured names ({@code 0.classifier}, padded to the length of a secured name), so that
 * their certificates need not match them, and take their certificates from a pool of {@value #CERTIFICATES} distinct
 * self-signed Ed25519 certificates shaped like an identity's: making 10,000 identities would take minutes, and one
 * shared certificate would be parsed once and then served from the JDK's certificate cache (750 entries, keyed by
 * encoding), which real contacts, each with a certificate of its own, never hit. Rows are the size real ones are.
 * The {@code ...DistinctCertificates} methods read a file whose {@value #CONTACTS} contacts each have a certificate
 * of their own, more than any certificate cache keeps: what reading costs when every certificate must be parsed, as
 * on the first listing after an endpoint starts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContactStoreBenchmark {

	static final int CONTACTS = 10_000;

	/** Distinct certificates the contacts take theirs from: more than the JDK's certificate cache holds. */
	static final int CERTIFICATES = 1_000;

	/** Pools of distinct certificates, by size. */
	private static final Map<Integer, List<X509Certificate>> certificates = new HashMap<>();

	/** The library's schema, version 2 (see R2dbcContactStore), for the baseline's file. */
	static final List<String> CREATE_TABLES = List.of("CREATE TABLE IF NOT EXISTS contacts ("
					+ "name VARCHAR(256) PRIMARY KEY, "
					+ "nickname VARCHAR(255) NOT NULL, "
					+ "display_name VARCHAR(255) NOT NULL, "
					+ "email VARCHAR(254) NOT NULL, "
					+ "certificate VARBINARY NOT NULL, "
					+ "subscribed BOOLEAN NOT NULL, "
					+ "subscribe_allowed VARCHAR(16) NOT NULL)",
			"CREATE TABLE IF NOT EXISTS contact_endpoints ("
					+ "contact_name VARCHAR(256) NOT NULL, "
					+ "position INT NOT NULL CHECK (position >= 0), "
					+ "name VARCHAR(255) NOT NULL, "
					+ "host VARCHAR, "
					+ "address VARBINARY(16), "
					+ "scope_id INT NOT NULL, "
					+ "port INT NOT NULL CHECK (port BETWEEN 1 AND 65535), "
					+ "PRIMARY KEY (contact_name, position), "
					+ "CHECK (host IS NOT NULL OR address IS NOT NULL), "
					+ "FOREIGN KEY (contact_name) REFERENCES contacts (name) ON DELETE CASCADE)");
	static final String INSERT = "INSERT INTO contacts (name, nickname, display_name, email, certificate, subscribed, "
			+ "subscribe_allowed) VALUES ($1, $2, $3, $4, $5, $6, $7)";
	static final String INSERT_ENDPOINT = "INSERT INTO contact_endpoints "
			+ "(contact_name, position, name, host, address, scope_id, port) VALUES ($1, $2, $3, $4, $5, $6, $7)";
	static final String SELECT = "SELECT c.name, c.nickname, c.display_name, c.email, c.certificate, c.subscribed, "
			+ "c.subscribe_allowed, e.position, e.name, e.host, e.address, e.scope_id, e.port "
			+ "FROM contacts c LEFT JOIN contact_endpoints e ON e.contact_name = c.name";
	static final String SELECT_ONE = SELECT + " WHERE c.name = $1 ORDER BY e.position";
	static final String SELECT_ALL = SELECT + " ORDER BY c.name, e.position";

	/** Schema version 1's contacts table, for the reference methods: the endpoints as lines of text in one column. */
	static final String CREATE_LIST_COLUMN_TABLE = "CREATE TABLE IF NOT EXISTS contacts_v1 ("
			+ "name VARCHAR(256) PRIMARY KEY, "
			+ "nickname VARCHAR(255) NOT NULL, "
			+ "display_name VARCHAR(255) NOT NULL, "
			+ "email VARCHAR(254) NOT NULL, "
			+ "certificate VARBINARY NOT NULL, "
			+ "endpoints VARCHAR NOT NULL, "
			+ "subscribed BOOLEAN NOT NULL, "
			+ "subscribe_allowed VARCHAR(16) NOT NULL)";
	static final String LIST_COLUMN_COLUMNS =
			"name, nickname, display_name, email, certificate, endpoints, subscribed, subscribe_allowed";
	static final String INSERT_LIST_COLUMN =
			"INSERT INTO contacts_v1 (" + LIST_COLUMN_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	static final String SELECT_ONE_LIST_COLUMN = "SELECT " + LIST_COLUMN_COLUMNS + " FROM contacts_v1 WHERE name = $1";
	static final String SELECT_ALL_LIST_COLUMN = "SELECT " + LIST_COLUMN_COLUMNS + " FROM contacts_v1 ORDER BY name";

	/** Contacts already stored when the measurement starts. */
	@Param({ "10000" })
	public int contacts;

	// ----- the data --------------------------------------------------------------------------------------------------

	/** @return the name of stored contact {@code i}: unsecured, as long as a secured name with a short classifier */
	static PeerName storedName(int i) {
		return PeerName.unsecured(String.format("contact-%05d-%s", i, "x".repeat(46)));
	}

	static PeerContact contact(PeerName name, int i) {
		return contact(name, i, certificates(CERTIFICATES));
	}

	/** @return contact {@code i}, with a certificate from {@code pool} */
	static PeerContact contact(PeerName name, int i, List<X509Certificate> pool) {
		return new PeerContact(name, "Contact " + i, "Contact number " + i, "contact" + i + "@example.org",
				pool.get(i % pool.size()),
				List.of(PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 1024 + i % 60_000))), true,
				SubscribeAllowed.ALLOWED);
	}

	/**
	 * @return a pool of {@code count} distinct certificates, made once per JVM: self-signed, Ed25519, CN and O as an
	 * identity's
	 */
	static synchronized List<X509Certificate> certificates(int count) {
		return certificates.computeIfAbsent(count, n -> {
			try {
				KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
				ContentSigner signer = new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate());
				JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
				Instant now = Instant.now();
				List<X509Certificate> made = new ArrayList<>(n);
				for (int i = 0; i < n; i++) {
					X500Name subject = new X500Name("CN=contact-" + i + ",O=PeerCollab");
					X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
							BigInteger.valueOf(i + 1L), Date.from(now.minus(Duration.ofDays(1))),
							Date.from(now.plus(Duration.ofDays(3650))), subject, pair.getPublic());
					builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
					builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
					builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
							new KeyPurposeId[] { KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth }));
					made.add(converter.getCertificate(builder.build(signer)));
				}
				return List.copyOf(made);
			}
			catch (GeneralSecurityException | OperatorCreationException | IOException e) {
				throw new IllegalStateException("cannot make the contacts' certificates", e);
			}
		});
	}

	/** The endpoints column of schema version 1 for IPv4 endpoints with no host name. */
	static String endpointsColumn(PeerContact c) {
		StringBuilder out = new StringBuilder();
		for (PeerEndPoint ep : c.endPoints()) {
			out.append(ep.name()).append("||").append(ep.tcpAddress().getAddress().getHostAddress()).append('|')
					.append(ep.tcpAddress().getPort()).append('\n');
		}
		return out.toString();
	}

	static byte[] der(X509Certificate certificate) {
		try {
			return certificate.getEncoded();
		}
		catch (CertificateEncodingException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Binds the contact's row, as the library does. */
	static Statement bind(Statement s, PeerContact c, byte[] der) {
		return s.bind(0, c.name().toString())
				.bind(1, c.nickname())
				.bind(2, c.displayName())
				.bind(3, c.email())
				.bind(4, der)
				.bind(5, c.subscribed())
				.bind(6, c.subscribeAllowed().name());
	}

	/**
	 * Binds the rows of the contact's endpoints, as the library does for IPv4 endpoints with no host name.
	 *
	 * @param bindings how many bindings {@code s} holds already
	 * @return how many it holds now
	 */
	static int bindEndPoints(Statement s, PeerContact c, int bindings) {
		List<PeerEndPoint> endPoints = c.endPoints();
		for (int position = 0; position < endPoints.size(); position++) {
			if (bindings++ > 0) {
				s.add();
			}
			InetSocketAddress address = endPoints.get(position).tcpAddress();
			s.bind(0, c.name().toString())
					.bind(1, position)
					.bind(2, endPoints.get(position).name())
					.bindNull(3, String.class)
					.bind(4, address.getAddress().getAddress())
					.bind(5, 0)
					.bind(6, address.getPort());
		}
		return bindings;
	}

	/** Binds the contact's row in schema version 1. */
	static Statement bindListColumn(Statement s, PeerContact c, byte[] der) {
		return s.bind(0, c.name().toString())
				.bind(1, c.nickname())
				.bind(2, c.displayName())
				.bind(3, c.email())
				.bind(4, der)
				.bind(5, endpointsColumn(c))
				.bind(6, c.subscribed())
				.bind(7, c.subscribeAllowed().name());
	}

	static ConnectionFactory h2(Path directory) {
		return new H2ConnectionFactory(H2ConnectionConfiguration.builder()
				.file(directory.toAbsolutePath().resolve("contacts").toString())
				.property("WRITE_DELAY", "0")
				.build());
	}

	/**
	 * Writes {@code count} contacts, with certificates from {@code pool}, into the tables of the database behind
	 * {@code factory}, in one transaction; into schema version 1's table as well if {@code listColumn}.
	 */
	static void fill(ConnectionFactory factory, int count, List<X509Certificate> pool, boolean listColumn) {
		Mono.usingWhen(factory.create(), c -> {
			Statement contacts = c.createStatement(INSERT);
			Statement endPoints = c.createStatement(INSERT_ENDPOINT);
			Statement v1 = c.createStatement(INSERT_LIST_COLUMN);
			int endPointBindings = 0;
			for (int i = 0; i < count; i++) {
				if (i > 0) {
					contacts.add();
					v1.add();
				}
				PeerContact contact = contact(storedName(i), i, pool);
				byte[] der = der(contact.certificate());
				bind(contacts, contact, der);
				endPointBindings = bindEndPoints(endPoints, contact, endPointBindings);
				bindListColumn(v1, contact, der);
			}
			Flux<Long> writes = rowsUpdated(contacts).concatWith(rowsUpdated(endPoints));
			return Mono.from(c.beginTransaction())
					.thenMany(listColumn ? writes.concatWith(rowsUpdated(v1)) : writes)
					.then(Mono.from(c.commitTransaction()));
		}, Connection::close).block(BenchPeers.TIMEOUT);
	}

	static Flux<Long> rowsUpdated(Statement s) {
		return Flux.from(s.execute()).concatMap(Result::getRowsUpdated);
	}

	static Path tempDirectory() {
		try {
			return Files.createTempDirectory("peercollab-bench-store");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	static void delete(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
		catch (IOException e) {
			// a temporary directory left behind is not worth failing a benchmark for
		}
	}

	/** @return {@code ContactStores.h2(dir)} over a new file holding {@code count} contacts from {@code pool} */
	static ContactStore filledStore(Path dir, int count, List<X509Certificate> pool) {
		// the library creates its schema; the contacts go in with batched statements while it is closed
		ContactStore creating = ContactStores.h2(dir);
		creating.findAll().then().block(BenchPeers.TIMEOUT);
		creating.close().block(BenchPeers.TIMEOUT);
		fill(h2(dir), count, pool, false);
		// H2 closes the database with its last connection: the file is free again
		ContactStore store = ContactStores.h2(dir);
		long listed = store.findAll().count().block(BenchPeers.TIMEOUT);
		if (listed != count) {
			throw new IllegalStateException("the store lists " + listed + " contacts, expected " + count);
		}
		return store;
	}

	// ----- the stores ------------------------------------------------------------------------------------------------

	/** {@code ContactStores.h2(dir)} over a file holding the contacts. */
	@State(Scope.Benchmark)
	public static class Library {
		Path dir;
		ContactStore store;
		int next;
		int added;

		@Setup
		public void setUp(ContactStoreBenchmark b) {
			dir = tempDirectory();
			store = filledStore(dir, b.contacts, certificates(CERTIFICATES));
		}

		@TearDown
		public void tearDown() {
			store.close().block(BenchPeers.TIMEOUT);
			delete(dir);
		}
	}

	/** As {@link Library}, but each contact has a certificate of its own. */
	@State(Scope.Benchmark)
	public static class DistinctCertificates {
		Path dir;
		ContactStore store;
		int next;

		@Setup
		public void setUp(ContactStoreBenchmark b) {
			dir = tempDirectory();
			store = filledStore(dir, b.contacts, certificates(b.contacts));
		}

		@TearDown
		public void tearDown() {
			store.close().block(BenchPeers.TIMEOUT);
			delete(dir);
		}
	}

	/** Bare R2DBC over an H2 file of the same schema, holding the same contacts, and also in schema version 1. */
	@State(Scope.Benchmark)
	public static class Bare {
		Path dir;
		ConnectionFactory factory;
		Connection anchor;
		int next;
		int added;

		@Setup
		public void setUp(ContactStoreBenchmark b) {
			dir = tempDirectory();
			factory = h2(dir);
			anchor = Mono.from(factory.create()).block(BenchPeers.TIMEOUT);
			Flux.concat(CREATE_TABLES.stream().map(sql -> rowsUpdated(anchor.createStatement(sql))).toList())
					.concatWith(rowsUpdated(anchor.createStatement(CREATE_LIST_COLUMN_TABLE)))
					.then().block(BenchPeers.TIMEOUT);
			fill(factory, b.contacts, certificates(CERTIFICATES), true);
		}

		@TearDown
		public void tearDown() {
			Mono.from(anchor.close()).block(BenchPeers.TIMEOUT);
			delete(dir);
		}
	}

	// ----- add -------------------------------------------------------------------------------------------------------

	@Benchmark
	public Object add(Library l) {
		int i = l.added++;
		return l.store.insert(contact(addedName(i), i)).block(BenchPeers.TIMEOUT);
	}

	/** The library's statements for an insert: the contact's row and its endpoints' rows, in one transaction. */
	@Benchmark
	public Object bareInsert(Bare b) {
		int i = b.added++;
		PeerContact c = contact(addedName(i), i);
		return Mono.usingWhen(b.factory.create(),
				conn -> {
					Statement endPoints = conn.createStatement(INSERT_ENDPOINT);
					bindEndPoints(endPoints, c, 0);
					return Mono.from(conn.beginTransaction())
							.thenMany(rowsUpdated(bind(conn.createStatement(INSERT), c, der(c.certificate()))))
							.thenMany(rowsUpdated(endPoints))
							.then(Mono.from(conn.commitTransaction()));
				},
				Connection::close).block(BenchPeers.TIMEOUT);
	}

	/** Reference: an insert into schema version 1's table, one row in auto-commit mode. */
	@Benchmark
	public Object bareInsertListColumn(Bare b) {
		int i = b.added++;
		PeerContact c = contact(addedName(i), i);
		return Mono.usingWhen(b.factory.create(),
				conn -> rowsUpdated(bindListColumn(conn.createStatement(INSERT_LIST_COLUMN), c, der(c.certificate())))
						.then(),
				Connection::close).block(BenchPeers.TIMEOUT);
	}

	static PeerName addedName(int i) {
		return PeerName.unsecured(String.format("added-%07d-%s", i, "x".repeat(46)));
	}

	// ----- find ------------------------------------------------------------------------------------------------------

	@Benchmark
	public PeerContact find(Library l) {
		PeerName name = storedName(l.next);
		l.next = (l.next + 7919) % contacts;
		return l.store.find(name).block(BenchPeers.TIMEOUT);
	}

	/** As {@link #find}, each contact with a certificate of its own. */
	@Benchmark
	public PeerContact findDistinctCertificates(DistinctCertificates d) {
		PeerName name = storedName(d.next);
		d.next = (d.next + 7919) % contacts;
		return d.store.find(name).block(BenchPeers.TIMEOUT);
	}

	@Benchmark
	public Object bareSelectOne(Bare b) {
		PeerName name = storedName(b.next);
		b.next = (b.next + 7919) % contacts;
		return Mono.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ONE).bind(0, name.toString()).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::columns)).collectList(),
				Connection::close).block(BenchPeers.TIMEOUT);
	}

	/**
	 * Reference: {@link #bareSelectOne} moved off the calling thread, as a library that must not block its caller
	 * runs r2dbc-h2, which executes on the subscribing thread: the thread hop that {@link #find} pays.
	 */
	@Benchmark
	public Object bareSelectOneOnBoundedElastic(Bare b) {
		PeerName name = storedName(b.next);
		b.next = (b.next + 7919) % contacts;
		return Mono.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ONE).bind(0, name.toString()).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::columns)).collectList(),
				Connection::close).subscribeOn(Schedulers.boundedElastic()).block(BenchPeers.TIMEOUT);
	}

	/** Reference: the same read from schema version 1's table. */
	@Benchmark
	public Object bareSelectOneListColumn(Bare b) {
		PeerName name = storedName(b.next);
		b.next = (b.next + 7919) % contacts;
		return Mono.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ONE_LIST_COLUMN).bind(0, name.toString()).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::listColumnColumns)).next(),
				Connection::close).block(BenchPeers.TIMEOUT);
	}

	// ----- list ------------------------------------------------------------------------------------------------------

	@Benchmark
	public Long list(Library l) {
		return l.store.findAll().count().block(BenchPeers.TIMEOUT);
	}

	/** As {@link #list}, each contact with a certificate of its own. */
	@Benchmark
	public Long listDistinctCertificates(DistinctCertificates d) {
		return d.store.findAll().count().block(BenchPeers.TIMEOUT);
	}

	@Benchmark
	public Long bareSelectAll(Bare b) {
		return Flux.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ALL).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::columns)),
				Connection::close).count().block(BenchPeers.TIMEOUT);
	}

	/** Reference: the same read from schema version 1's table. */
	@Benchmark
	public Long bareSelectAllListColumn(Bare b) {
		return Flux.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ALL_LIST_COLUMN).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::listColumnColumns)),
				Connection::close).count().block(BenchPeers.TIMEOUT);
	}

	/** Every column of a row of {@link #SELECT} as a plain value. */
	static Object[] columns(Readable row) {
		return new Object[] { row.get(0, String.class), row.get(1, String.class), row.get(2, String.class),
				row.get(3, String.class), row.get(4, byte[].class), row.get(5, Boolean.class), row.get(6, String.class),
				row.get(7, Integer.class), row.get(8, String.class), row.get(9, String.class), row.get(10, byte[].class),
				row.get(11, Integer.class), row.get(12, Integer.class) };
	}

	/** Every column of a row of schema version 1's table as a plain value. */
	static Object[] listColumnColumns(Readable row) {
		return new Object[] { row.get(0, String.class), row.get(1, String.class), row.get(2, String.class),
				row.get(3, String.class), row.get(4, byte[].class), row.get(5, String.class), row.get(6, Boolean.class),
				row.get(7, String.class) };
	}
}
