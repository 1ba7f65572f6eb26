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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.peercollab.PeerEndPoint;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.contact.ContactStore;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
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

/**
 * The contact store on an H2 file holding {@value #CONTACTS} contacts ({@code ContactStore.h2(dir)}, the default
 * store): add one contact, find one by name, list them all; against the same statements issued with bare R2DBC on an
 * H2 file of the same schema and settings ({@code WRITE_DELAY=0}, so that a commit is on disk when it completes),
 * with the idiom R2DBC documents for a connection factory without a pool: one connection per operation
 * ({@code usingWhen}), while one more connection keeps the database open, as the library does.
 *
 * <p>The baseline reads every column of every row it returns into plain values (strings, bytes, booleans); the
 * library also turns them into {@link PeerContact}s, parsing the certificate and the endpoints.
 *
 * <p>The stored contacts have unsecured names ({@code 0.classifier}, padded to the length of a secured name), so that
 * their certificates need not match them, and take their certificates from a pool of {@value #CERTIFICATES} distinct
 * self-signed Ed25519 certificates shaped like an identity's: making 10,000 identities would take minutes, and one
 * shared certificate would be parsed once and then served from the JDK's certificate cache (750 entries, keyed by
 * encoding), which real contacts, each with a certificate of its own, never hit. Rows are the size real ones are.
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

	private static List<X509Certificate> certificates;

	/** The library's schema, version 1 (see R2dbcContactStore), for the baseline's file. */
	static final String CREATE_CONTACTS = "CREATE TABLE IF NOT EXISTS contacts ("
			+ "name VARCHAR(256) PRIMARY KEY, "
			+ "nickname VARCHAR(255) NOT NULL, "
			+ "display_name VARCHAR(255) NOT NULL, "
			+ "email VARCHAR(254) NOT NULL, "
			+ "certificate VARBINARY NOT NULL, "
			+ "endpoints VARCHAR NOT NULL, "
			+ "subscribed BOOLEAN NOT NULL, "
			+ "subscribe_allowed VARCHAR(16) NOT NULL)";
	static final String COLUMNS =
			"name, nickname, display_name, email, certificate, endpoints, subscribed, subscribe_allowed";
	static final String INSERT = "INSERT INTO contacts (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	static final String SELECT_ONE = "SELECT " + COLUMNS + " FROM contacts WHERE name = $1";
	static final String SELECT_ALL = "SELECT " + COLUMNS + " FROM contacts ORDER BY name";

	/** Contacts already stored when the measurement starts. */
	@Param({ "10000" })
	public int contacts;

	// ----- the data --------------------------------------------------------------------------------------------------

	/** @return the name of stored contact {@code i}: unsecured, as long as a secured name with a short classifier */
	static PeerName storedName(int i) {
		return PeerName.unsecured(String.format("contact-%05d-%s", i, "x".repeat(46)));
	}

	static PeerContact contact(PeerName name, int i) {
		return new PeerContact(name, "Contact " + i, "Contact number " + i, "contact" + i + "@example.org",
				certificates().get(i % CERTIFICATES),
				List.of(PeerEndPoint.of(new InetSocketAddress("127.0.0.1", 1024 + i % 60_000))), true,
				SubscribeAllowed.ALLOWED);
	}

	/** @return the certificate pool, made once per JVM: self-signed, Ed25519, CN and O as an identity's */
	static synchronized List<X509Certificate> certificates() {
		if (certificates == null) {
			try {
				KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
				ContentSigner signer = new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate());
				JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
				Instant now = Instant.now();
				List<X509Certificate> made = new ArrayList<>(CERTIFICATES);
				for (int i = 0; i < CERTIFICATES; i++) {
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
				certificates = List.copyOf(made);
			}
			catch (GeneralSecurityException | OperatorCreationException | IOException e) {
				throw new IllegalStateException("cannot make the contacts' certificates", e);
			}
		}
		return certificates;
	}

	/** The endpoints column as the library writes it for one IPv4 endpoint named after its address. */
	static String endpointsColumn(PeerContact c) {
		StringBuilder out = new StringBuilder();
		for (PeerEndPoint ep : c.endPoints()) {
			out.append(ep.name()).append("||").append(ep.address().getAddress().getHostAddress()).append('|')
					.append(ep.address().getPort()).append('\n');
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

	static Statement bind(Statement s, PeerContact c, byte[] der) {
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

	/** Writes {@code count} contacts into the contacts table of the database behind {@code factory}, in one go. */
	static void fill(ConnectionFactory factory, int count) {
		Mono.usingWhen(factory.create(), c -> {
			Statement s = c.createStatement(INSERT);
			for (int i = 0; i < count; i++) {
				if (i > 0) {
					s.add();
				}
				PeerContact contact = contact(storedName(i), i);
				bind(s, contact, der(contact.certificate()));
			}
			return Mono.from(c.beginTransaction())
					.thenMany(Flux.from(s.execute()).concatMap(Result::getRowsUpdated))
					.then(Mono.from(c.commitTransaction()));
		}, Connection::close).block(BenchPeers.TIMEOUT);
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

	// ----- the stores ------------------------------------------------------------------------------------------------

	/** {@code ContactStore.h2(dir)} over a file holding the contacts. */
	@State(Scope.Benchmark)
	public static class Library {
		Path dir;
		ContactStore store;
		int next;
		int added;

		@Setup
		public void setUp(ContactStoreBenchmark b) {
			dir = tempDirectory();
			// the library creates its schema; the contacts go in with one batched statement while it is closed
			ContactStore creating = ContactStore.h2(dir);
			creating.findAll().then().block(BenchPeers.TIMEOUT);
			creating.close().block(BenchPeers.TIMEOUT);
			ConnectionFactory factory = h2(dir);
			fill(factory, b.contacts);
			// H2 closes the database with its last connection: the file is free again
			store = ContactStore.h2(dir);
			long listed = store.findAll().count().block(BenchPeers.TIMEOUT);
			if (listed != b.contacts) {
				throw new IllegalStateException("the store lists " + listed + " contacts, expected " + b.contacts);
			}
		}

		@TearDown
		public void tearDown() {
			store.close().block(BenchPeers.TIMEOUT);
			delete(dir);
		}
	}

	/** Bare R2DBC over an H2 file of the same schema, holding the same contacts. */
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
			Flux.from(anchor.createStatement(CREATE_CONTACTS).execute()).concatMap(Result::getRowsUpdated)
					.then().block(BenchPeers.TIMEOUT);
			fill(factory, b.contacts);
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

	@Benchmark
	public Object bareInsert(Bare b) {
		int i = b.added++;
		PeerContact c = contact(addedName(i), i);
		return Mono.usingWhen(b.factory.create(),
				conn -> Flux.from(bind(conn.createStatement(INSERT), c, der(c.certificate())).execute())
						.concatMap(Result::getRowsUpdated).then(),
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

	@Benchmark
	public Object bareSelectOne(Bare b) {
		PeerName name = storedName(b.next);
		b.next = (b.next + 7919) % contacts;
		return Mono.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ONE).bind(0, name.toString()).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::columns)).next(),
				Connection::close).block(BenchPeers.TIMEOUT);
	}

	// ----- list ------------------------------------------------------------------------------------------------------

	@Benchmark
	public Long list(Library l) {
		return l.store.findAll().count().block(BenchPeers.TIMEOUT);
	}

	@Benchmark
	public Long bareSelectAll(Bare b) {
		return Flux.usingWhen(b.factory.create(),
				conn -> Flux.from(conn.createStatement(SELECT_ALL).execute())
						.concatMap(r -> r.map(ContactStoreBenchmark::columns)),
				Connection::close).count().block(BenchPeers.TIMEOUT);
	}

	/** Every column of a row as a plain value. */
	static Object[] columns(Readable row) {
		return new Object[] { row.get("name", String.class), row.get("nickname", String.class),
				row.get("display_name", String.class), row.get("email", String.class),
				row.get("certificate", byte[].class), row.get("endpoints", String.class),
				row.get("subscribed", Boolean.class), row.get("subscribe_allowed", String.class) };
	}
}
