// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.internal.store.R2dbcContactStore;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.ContactStoreContract;
import io.r2dbc.h2.CloseableConnectionFactory;
import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ContactStores#h2(Path)} against the {@link ContactStoreContract}, each test in a directory of its own and
 * reading back through a second store over the same file; then what only a database store does: schema versions,
 * reopening, rows it cannot read, other connection factories.
 */
class R2dbcContactStoreTest extends ContactStoreContract {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@TempDir
	Path directory;

	@Override
	protected ContactStore newStore() {
		return ContactStores.h2(directory);
	}

	@Override
	protected ContactStore reopen(ContactStore store) {
		StepVerifier.create(store.close()).verifyComplete();
		return ContactStores.h2(directory);
	}

	@Test
	void theFactoryMakesAnR2dbcStore() {
		assertThat(store()).isInstanceOf(R2dbcContactStore.class);
	}

	@Test
	void contactsAndApplicationsSurviveClosingTheStoreAndOpeningTheDirectoryAgain() {
		PeerContact contact = contactOf(alice);
		PeerApplication application = application(UUID.randomUUID());
		StepVerifier.create(store().insert(contact).then(store().saveApplication(application))).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();

		ContactStore again = ContactStores.h2(directory);

		StepVerifier.create(again.findAll()).expectNext(contact).verifyComplete();
		StepVerifier.create(again.applications()).expectNext(application).verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();
	}

	/**
	 * A find of an open H2 store runs where it is subscribed, as r2dbc-h2 does, unless blocking is forbidden there:
	 * from one of Reactor's non-blocking threads it is moved to {@code boundedElastic}; writes always are.
	 */
	@Test
	void aFindRunsOnTheCallersThreadUnlessThatThreadMustNotBlock() {
		PeerContact contact = contactOf(alice);
		StepVerifier.create(store().insert(contact)).verifyComplete();

		// a plain thread, where blocking is allowed: the read runs there and signals there
		String caller = Thread.currentThread().getName();
		StepVerifier.create(store().find(contact.name()).map(c -> Thread.currentThread().getName()))
				.expectNext(caller)
				.verifyComplete();

		// a parallel worker, a NonBlocking thread: the read is moved off it
		StepVerifier.create(store().find(contact.name())
						.map(c -> Thread.currentThread().getName())
						.subscribeOn(Schedulers.parallel()))
				.assertNext(thread -> assertThat(thread).startsWith("boundedElastic"))
				.verifyComplete();

		// a write is moved off any caller, since it writes the file
		StepVerifier.create(store().update(contact.withNickname("Al"))
						.then(Mono.fromCallable(() -> Thread.currentThread().getName())))
				.assertNext(thread -> assertThat(thread).startsWith("boundedElastic"))
				.verifyComplete();
	}

	@Test
	void theDirectoryIsCreatedOnFirstUseAndNotBefore() {
		Path nested = directory.resolve("not/yet");
		ContactStore lazy = ContactStores.h2(nested);
		assertThat(nested).doesNotExist();

		StepVerifier.create(lazy.findAll()).verifyComplete();

		assertThat(nested.resolve("contacts.mv.db")).isRegularFile();
		StepVerifier.create(lazy.close()).verifyComplete();
	}

	@Test
	void aDirectoryWhoseNameH2WouldReadAsASettingIsRefused() {
		assertThatThrownBy(() -> ContactStores.h2(directory.resolve("a;b")))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining(";");
	}

	@Test
	void closingTheStoreReleasesTheDatabaseFile() throws IOException {
		StepVerifier.create(store().insert(contactOf(alice))).verifyComplete();

		StepVerifier.create(store().close()).verifyComplete();

		// While H2 holds the file, tryLock in this JVM throws OverlappingFileLockException.
		try (FileChannel channel = FileChannel.open(directory.resolve("contacts.mv.db"), StandardOpenOption.READ,
				StandardOpenOption.WRITE); FileLock lock = channel.tryLock()) {
			assertThat(lock).isNotNull();
		}
	}

	@Test
	void theSchemaIsAtVersionFourAfterFirstUse() {
		StepVerifier.create(store().findAll()).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();

		StepVerifier.create(column(fileFactory(), "SELECT version FROM schema_version ORDER BY version"))
				.expectNext("1", "2", "3", "4")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(),
						"SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = 'PUBLIC' "
								+ "ORDER BY LOWER(table_name)"))
				.expectNext("application_arguments", "applications", "contact_endpoints", "contacts", "schema_version",
						"settings")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT LOWER(table_name) || '.' || LOWER(column_name) "
						+ "FROM information_schema.columns WHERE LOWER(column_name) IN ('endpoints', 'arguments')"))
				.as("the list columns of version 1 are gone")
				.verifyComplete();
	}

	@Test
	void openingTheDirectoryAgainDoesNotRunTheMigrationAgain() {
		StepVerifier.create(store().insert(contactOf(alice))).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();
		List<String> applied = column(fileFactory(),
				"SELECT version || ' ' || CAST(applied_at AS VARCHAR) FROM schema_version ORDER BY version")
				.collectList().block(TIMEOUT);
		RecordingConnectionFactory recording = new RecordingConnectionFactory(fileFactory());

		ContactStore again = ContactStores.r2dbc(recording);
		StepVerifier.create(again.find(alice.name())).expectNext(contactOf(alice)).verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();

		assertThat(recording.statements).anyMatch(sql -> sql.contains("FROM schema_version"))
				.noneMatch(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS contacts"))
				.noneMatch(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS contact_endpoints"))
				.noneMatch(sql -> sql.startsWith("INSERT INTO schema_version"));
		assertThat(applied).hasSize(4);
		StepVerifier.create(column(fileFactory(),
						"SELECT version || ' ' || CAST(applied_at AS VARCHAR) FROM schema_version ORDER BY version"))
				.expectNextSequence(applied)
				.verifyComplete();
	}

	@Test
	void theSchemaIsCheckedOncePerStoreHoweverManyOperationsRunAtOnce() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("once-" + UUID.randomUUID());
		RecordingConnectionFactory recording = new RecordingConnectionFactory(database);
		ContactStore store = ContactStores.r2dbc(recording);

		StepVerifier.create(Flux.range(0, 20)
						.flatMap(i -> store.insert(unsecured("m" + i)).subscribeOn(Schedulers.boundedElastic()), 8)
						.thenMany(store.findAll()).count())
				.expectNext(20L)
				.verifyComplete();

		assertThat(recording.statements).filteredOn(sql -> sql.contains("FROM schema_version")).hasSize(1);
		assertThat(recording.statements).filteredOn(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS contacts"))
				.hasSize(1);
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
	}

	@Test
	void aStoreOverAnInMemoryH2UrlWorks() {
		String name = "smoke" + UUID.randomUUID().toString().replace("-", "");
		// An in-memory H2 database disappears with its last connection unless told otherwise.
		ConnectionFactory factory = ConnectionFactories.get("r2dbc:h2:mem:///" + name + "?options=DB_CLOSE_DELAY=-1");
		ContactStore store = ContactStores.r2dbc(factory);
		PeerContact contact = contactOf(bob);
		PeerApplication application = application(UUID.randomUUID());

		StepVerifier.create(store.insert(contact)
						.then(store.update(contact.withNickname("Bobby")))
						.then(store.saveApplication(application))
						.thenMany(store.findAll()))
				.expectNext(contact.withNickname("Bobby"))
				.verifyComplete();
		StepVerifier.create(store.applications()).expectNext(application).verifyComplete();
		StepVerifier.create(store.delete(bob.name()).then(store.deleteApplication(application.id())))
				.expectNext(true)
				.verifyComplete();
		StepVerifier.create(store.close()).verifyComplete();

		// The store does not own the factory: it still works, and holds the schema.
		StepVerifier.create(column(factory, "SELECT COUNT(*) FROM schema_version")).expectNext("4").verifyComplete();
		StepVerifier.create(execute(factory, "SHUTDOWN")).expectNextCount(1).verifyComplete();
	}

	@Test
	void aStoredContactThatCannotBeReadFailsTheStreamNamingIt() throws UnknownHostException {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("corrupt-" + UUID.randomUUID());
		ContactStore store = ContactStores.r2dbc(database);
		List<PeerEndPoint> endPoints = List.of(new PeerEndPoint("a", socket("192.0.2.1", 1)),
				new PeerEndPoint("b", socket("192.0.2.2", 2)));
		PeerContact erin = unsecured("erin").withEndPoints(endPoints);
		StepVerifier.create(Flux.just(contactOf(alice), contactOf(bob), contactOf(carol),
				contactOf(dave).withEndPoints(endPoints), erin).concatMap(store::insert)).verifyComplete();

		StepVerifier.create(execute(database, "UPDATE contacts SET subscribe_allowed = 'MAYBE' WHERE name = $1",
						bob.name().toString())
						.then(execute(database, "UPDATE contacts SET certificate = X'3000' WHERE name = $1",
								carol.name().toString()))
						.then(execute(database, "UPDATE contact_endpoints SET address = X'0A0B0C' "
								+ "WHERE contact_name = $1 AND position = 1", dave.name().toString()))
						.then(execute(database, "DELETE FROM contact_endpoints WHERE contact_name = $1 AND position = 0",
								erin.name().toString())))
				.expectNext(1L)
				.verifyComplete();

		StepVerifier.create(store.find(alice.name())).expectNext(contactOf(alice)).verifyComplete();
		StepVerifier.create(store.find(bob.name()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(bob.name().toString())
						.hasMessageContaining("MAYBE"))
				.verify();
		StepVerifier.create(store.find(carol.name()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(carol.name().toString())
						.hasMessageContaining("certificate"))
				.verify();
		StepVerifier.create(store.find(dave.name()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(dave.name().toString())
						.hasMessageContaining("contact_endpoints, position 1"))
				.verify();
		StepVerifier.create(store.find(erin.name()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(erin.name().toString())
						.hasMessageContaining("position 1 where 0 was expected"))
				.verify();
		StepVerifier.create(store.findAll())
				.thenConsumeWhile(contact -> contact.name().equals(alice.name()))
				.expectError(IllegalStateException.class)
				.verify();
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
	}

	@Test
	void aStoredApplicationThatCannotBeReadFailsTheStreamNamingIt() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("corrupt-" + UUID.randomUUID());
		ContactStore store = ContactStores.r2dbc(database);
		UUID broken = new UUID(2, 2);
		StepVerifier.create(store.saveApplication(application(new UUID(1, 1)))
				.then(store.saveApplication(application(broken)))).verifyComplete();

		StepVerifier.create(execute(database, "UPDATE application_arguments SET position = 2 WHERE application_id = $1",
						broken))
				.expectNext(1L)
				.verifyComplete();

		StepVerifier.create(store.applications())
				.expectNext(application(new UUID(1, 1)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(broken.toString())
						.hasMessageContaining("application_arguments: position 2 where 0 was expected"))
				.verify();
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
	}

	@Test
	void aContactStoredUnderADecomposedClassifierMovesToItsNfcNameWhenTheDatabaseIsOpened() throws Exception {
		io.peercollab.identity.PeerIdentity cafe = io.peercollab.identity.PeerIdentity.generate("Cafe\u0301");
		assertThat(cafe.name().classifier()).as("NFC").isEqualTo("Caf\u00e9");
		PeerContact contact = contactOf(cafe).withEndPoints(List.of(
				io.peercollab.PeerEndPoint.of(new java.net.InetSocketAddress(InetAddress.getByName("192.0.2.7"), 7000))));
		StepVerifier.create(store().insert(contact)).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();
		// as a version before 4 stored it: under the classifier as typed, decomposed
		String decomposed = cafe.name().authority() + ".Cafe\u0301";
		StepVerifier.create(execute(fileFactory(), "CREATE TABLE saved AS SELECT * FROM contact_endpoints")
						.then(execute(fileFactory(), "DELETE FROM contact_endpoints"))
						.then(execute(fileFactory(), "UPDATE contacts SET name = $1", decomposed))
						.then(execute(fileFactory(), "INSERT INTO contact_endpoints SELECT $1, position, name, host, "
								+ "address, scope_id, port FROM saved", decomposed))
						.then(execute(fileFactory(), "DROP TABLE saved"))
						.then(execute(fileFactory(), "DELETE FROM schema_version WHERE version = 4")))
				.expectNext(1L)
				.verifyComplete();

		ContactStore again = ContactStores.h2(directory);
		StepVerifier.create(again.find(contact.name())).expectNext(contact).verifyComplete();
		StepVerifier.create(again.find(io.peercollab.identity.PeerName.parse(decomposed))).as("the same name")
				.expectNext(contact).verifyComplete();
		StepVerifier.create(again.findAll()).expectNext(contact).verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT contact_name FROM contact_endpoints"))
				.expectNext(contact.name().toString()).verifyComplete();
	}

	@Test
	void aDatabaseWithANewerSchemaIsRefusedAndLeftAlone() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("newer-" + UUID.randomUUID());
		StepVerifier.create(execute(database, "CREATE TABLE schema_version (version INT PRIMARY KEY, "
						+ "applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)")
						.then(execute(database, "INSERT INTO schema_version (version) VALUES (5)")))
				.expectNext(1L)
				.verifyComplete();
		ContactStore store = ContactStores.r2dbc(database);

		StepVerifier.create(store.findAll())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("schema version 5"))
				.verify();

		StepVerifier.create(column(database,
						"SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) = 'contacts'"))
				.expectNext("0")
				.verifyComplete();
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
	}

	// ----- a database written by schema version 1 -----------------------------------------------------------------

	/** Schema version 1 as PeerCollab wrote it, frozen here: each list in one text column of escaped lines. */
	private static final List<String> VERSION_1 = List.of(
			"CREATE TABLE schema_version (version INT PRIMARY KEY, "
					+ "applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)",
			"CREATE TABLE contacts (name VARCHAR(256) PRIMARY KEY, nickname VARCHAR(255) NOT NULL, "
					+ "display_name VARCHAR(255) NOT NULL, email VARCHAR(254) NOT NULL, certificate VARBINARY NOT NULL, "
					+ "endpoints VARCHAR NOT NULL, subscribed BOOLEAN NOT NULL, subscribe_allowed VARCHAR(16) NOT NULL)",
			"CREATE TABLE applications (id UUID PRIMARY KEY, description VARCHAR(255) NOT NULL, "
					+ "data VARBINARY NOT NULL, scope VARCHAR(16) NOT NULL, path VARCHAR(4096) NOT NULL, "
					+ "arguments VARCHAR NOT NULL)",
			"INSERT INTO schema_version (version) VALUES (1)");
	private static final String INSERT_VERSION_1_CONTACT = "INSERT INTO contacts (name, nickname, display_name, email, "
			+ "certificate, endpoints, subscribed, subscribe_allowed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	private static final String INSERT_VERSION_1_APPLICATION =
			"INSERT INTO applications (id, description, data, scope, path, arguments) VALUES ($1, $2, $3, $4, $5, $6)";

	/** Dave's endpoints: every kind of address, and every character the line format had to escape. */
	private static List<PeerEndPoint> daveEndPoints() throws UnknownHostException {
		return List.of(
				new PeerEndPoint("eth0", socket("192.168.1.20", 7000)),
				new PeerEndPoint("pipe|name", socket("::1", 7001)),
				new PeerEndPoint("two\nlines\r\nand %7C a percent", socket("2001:db8::ff00:42:8329", 65535)),
				new PeerEndPoint("link-local ✓ 日本", new InetSocketAddress(Inet6Address.getByAddress(null,
						InetAddress.getByName("fe80::1:2:3:4").getAddress(), 3), 1)),
				new PeerEndPoint("named", new InetSocketAddress(
						InetAddress.getByAddress("laptop.local", new byte[] { 10, 0, 0, 9 }), 9)),
				new PeerEndPoint("", InetSocketAddress.createUnresolved("dave.example.org", 443)),
				new PeerEndPoint("|", InetSocketAddress.createUnresolved("odd|host\nname", 8080)),
				PeerEndPoint.of(socket("0.0.0.0", 80)));
	}

	/** {@link #daveEndPoints()} as version 1 wrote them. */
	private static final String DAVE_ENDPOINTS_VERSION_1 = "eth0||192.168.1.20|7000\n"
			+ "pipe%7Cname||0:0:0:0:0:0:0:1|7001\n"
			+ "two%0Alines%0D%0Aand %257C a percent||2001:db8:0:0:0:ff00:42:8329|65535\n"
			+ "link-local ✓ 日本||fe80:0:0:0:1:2:3:4%3|1\n"
			+ "named|laptop.local|10.0.0.9|9\n"
			+ "|dave.example.org||443\n"
			+ "%7C|odd%7Chost%0Aname||8080\n"
			+ "0.0.0.0:80||0.0.0.0|80\n";

	private static final List<String> ARGUMENTS = List.of("", "--name=a|b", "line1\nline2", "100%", "%0A",
			"unicode ✓ 日本 🚀", "\r", " spaced ", "%", "%%7C%");
	/** {@link #ARGUMENTS} as version 1 wrote them. */
	private static final String ARGUMENTS_VERSION_1 = "\n--name=a%7Cb\nline1%0Aline2\n100%25\n%250A\n"
			+ "unicode ✓ 日本 🚀\n%0D\n spaced \n%25\n%25%257C%25\n";

	@Test
	void aDatabaseWrittenBySchemaVersionOneIsMigratedWithNothingLost() throws UnknownHostException {
		StepVerifier.create(store().close()).verifyComplete();
		PeerContact full = new PeerContact(dave.name(), "Dave | the\nbuilder %41", "Dävé 🚀 \r\n",
				"dave@example.org", dave.certificate(), daveEndPoints(), true, SubscribeAllowed.BLOCKED);
		PeerContact plain = contactOf(alice);
		PeerContact unicode = unsecured("日本").withEndPoints(List.of(PeerEndPoint.of(socket("10.1.2.3", 443))));
		PeerApplication whiteboard = new PeerApplication(new UUID(1, 1), "Whiteboard ✎ | shared\nboard", new byte[] { 1, 2 },
				PeerScope.INTERNET, "/opt/white|board/bin/run %s", ARGUMENTS);
		PeerApplication none = new PeerApplication(new UUID(2, 2), "", null, PeerScope.NONE, null, List.of());
		PeerApplication oneEmpty = new PeerApplication(new UUID(3, 3), "", null, PeerScope.ALL, "", List.of(""));
		PeerApplication twoEmpty = new PeerApplication(new UUID(4, 4), "", new byte[] { 0 }, PeerScope.NEAR_ME, "",
				List.of("", ""));
		StepVerifier.create(writeVersion1(
						List.of(version1(full, DAVE_ENDPOINTS_VERSION_1), version1(plain, ""),
								version1(unicode, "10.1.2.3:443||10.1.2.3|443\n")),
						List.of(version1(whiteboard, ARGUMENTS_VERSION_1), version1(none, ""), version1(oneEmpty, "\n"),
								version1(twoEmpty, "\n\n"))))
				.verifyComplete();

		ContactStore migrated = ContactStores.h2(directory);

		StepVerifier.create(migrated.findAll().collectList())
				.assertNext(all -> {
					assertThat(all).containsExactlyElementsOf(Stream.of(full, plain, unicode)
							.sorted(Comparator.comparing(PeerContact::name)).toList());
					PeerContact found = all.stream().filter(c -> c.name().equals(full.name())).findFirst().orElseThrow();
					assertThat(found.nickname()).isEqualTo(full.nickname());
					assertThat(found.displayName()).isEqualTo(full.displayName());
					assertThat(found.name().matches(found.certificate())).isTrue();
					assertSameEndPoints(found.endPoints(), full.endPoints());
				})
				.verifyComplete();
		StepVerifier.create(migrated.applications())
				.assertNext(found -> {
					assertThat(found).isEqualTo(whiteboard);
					assertThat(found.arguments()).containsExactlyElementsOf(ARGUMENTS);
				})
				.expectNext(none, oneEmpty, twoEmpty)
				.verifyComplete();
		// Written after the migration, the contacts and applications carry on as any others.
		StepVerifier.create(migrated.update(plain.withEndPoints(full.endPoints()))
						.then(migrated.delete(full.name()))
						.then(migrated.saveApplication(twoEmpty.withScope(PeerScope.ALL))))
				.verifyComplete();
		StepVerifier.create(migrated.close()).verifyComplete();

		StepVerifier.create(column(fileFactory(), "SELECT version FROM schema_version ORDER BY version"))
				.expectNext("1", "2", "3", "4")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT COUNT(*) FROM information_schema.columns "
						+ "WHERE LOWER(column_name) IN ('endpoints', 'arguments')"))
				.expectNext("0")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT contact_name || ' ' || COUNT(*) FROM contact_endpoints "
						+ "GROUP BY contact_name ORDER BY contact_name"))
				.expectNextSequence(Stream.of(plain.name() + " 8", unicode.name() + " 1").sorted().toList())
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT COUNT(*) FROM application_arguments"))
				.expectNext(String.valueOf(ARGUMENTS.size() + 1 + 2))
				.verifyComplete();
	}

	@Test
	void aVersionOneListThatCannotBeReadStopsTheMigrationNamingItAndLosesNothing() {
		StepVerifier.create(store().close()).verifyComplete();
		PeerContact good = unsecured("good");
		PeerContact bad = unsecured("bad");
		StepVerifier.create(writeVersion1(List.of(version1(good, "e||192.0.2.1|1\n"),
						version1(bad, "three|fields|only\n")), List.of()))
				.verifyComplete();
		ContactStore store = ContactStores.h2(directory);

		StepVerifier.create(store.findAll())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(bad.name().toString())
						.hasMessageContaining("endpoints")
						.hasMessageContaining("line 1")
						.hasMessageContaining("repair or delete that row"))
				.verify();
		StepVerifier.create(store.close()).verifyComplete();

		StepVerifier.create(column(fileFactory(), "SELECT MAX(version) FROM schema_version")).expectNext("1")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT COUNT(*) FROM contact_endpoints")).expectNext("0")
				.verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT name || ' ' || endpoints FROM contacts ORDER BY name"))
				.expectNext(bad.name() + " three|fields|only\n", good.name() + " e||192.0.2.1|1\n")
				.verifyComplete();

		// Once the row is repaired, the next store migrates.
		StepVerifier.create(execute(fileFactory(), "UPDATE contacts SET endpoints = '' WHERE name = $1",
				bad.name().toString())).expectNext(1L).verifyComplete();
		ContactStore repaired = ContactStores.h2(directory);
		StepVerifier.create(repaired.findAll().map(c -> c.name() + " " + c.endPoints().size()))
				.expectNext(bad.name() + " 0", good.name() + " 1")
				.verifyComplete();
		StepVerifier.create(repaired.close()).verifyComplete();
	}

	@Test
	void aMigrationInterruptedBeforeItsVersionWasRecordedIsCompletedByTheNextOpen() throws UnknownHostException {
		StepVerifier.create(store().close()).verifyComplete();
		PeerContact contact = unsecured("c").withEndPoints(daveEndPoints());
		StepVerifier.create(writeVersion1(List.<Object[]>of(version1(contact, DAVE_ENDPOINTS_VERSION_1)), List.of()))
				.verifyComplete();
		ContactStore first = ContactStores.h2(directory);
		StepVerifier.create(first.findAll()).expectNext(contact).verifyComplete();
		StepVerifier.create(first.close()).verifyComplete();
		// As if the process died after dropping the list columns, before writing the version (and so before the
		// versions after it)
		StepVerifier.create(execute(fileFactory(), "DELETE FROM schema_version WHERE version >= 2"))
				.expectNext(3L).verifyComplete();

		ContactStore again = ContactStores.h2(directory);

		StepVerifier.create(again.findAll())
				.assertNext(found -> assertSameEndPoints(found.endPoints(), contact.endPoints()))
				.verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();
		StepVerifier.create(column(fileFactory(), "SELECT version FROM schema_version ORDER BY version"))
				.expectNext("1", "2", "3", "4")
				.verifyComplete();
	}

	/** A row of version 1's contacts table: the contact's columns, with its endpoints as written by hand. */
	private static Object[] version1(PeerContact contact, String endpoints) {
		try {
			return new Object[] { contact.name().toString(), contact.nickname(), contact.displayName(), contact.email(),
					contact.certificate().getEncoded(), endpoints, contact.subscribed(),
					contact.subscribeAllowed().name() };
		}
		catch (java.security.cert.CertificateEncodingException e) {
			throw new IllegalStateException(e);
		}
	}

	/** A row of version 1's applications table, with its arguments as written by hand. */
	private static Object[] version1(PeerApplication application, String arguments) {
		return new Object[] { application.id(), application.description(), application.data(),
				application.scope().name(), application.path(), arguments };
	}

	/** Creates schema version 1 in the directory's database file and fills it, as PeerCollab did. */
	private Mono<Void> writeVersion1(List<Object[]> contacts, List<Object[]> applications) {
		return Mono.usingWhen(fileFactory().create(), c -> Flux.fromIterable(VERSION_1)
						.concatMap(sql -> Flux.from(c.createStatement(sql).execute()).concatMap(Result::getRowsUpdated))
						.thenMany(Flux.fromIterable(contacts).concatMap(row -> insert(c, INSERT_VERSION_1_CONTACT, row)))
						.thenMany(Flux.fromIterable(applications)
								.concatMap(row -> insert(c, INSERT_VERSION_1_APPLICATION, row)))
						.then(),
				Connection::close);
	}

	private static Flux<Long> insert(Connection connection, String sql, Object[] row) {
		Statement statement = connection.createStatement(sql);
		for (int i = 0; i < row.length; i++) {
			statement.bind(i, row[i]);
		}
		return Flux.from(statement.execute()).concatMap(Result::getRowsUpdated);
	}

	private ConnectionFactory fileFactory() {
		return new H2ConnectionFactory(H2ConnectionConfiguration.builder()
				.file(directory.resolve("contacts").toAbsolutePath().toString())
				.build());
	}

	/** @return the first column of every row, as text */
	private static Flux<String> column(ConnectionFactory factory, String sql) {
		return Flux.usingWhen(factory.create(),
				c -> Flux.from(c.createStatement(sql).execute())
						.concatMap(result -> result.map(row -> String.valueOf(row.get(0)))),
				Connection::close);
	}

	/** @return the number of rows updated */
	private static Mono<Long> execute(ConnectionFactory factory, String sql, Object... bindings) {
		return Mono.usingWhen(factory.create(), c -> {
			Statement statement = c.createStatement(sql);
			for (int i = 0; i < bindings.length; i++) {
				statement.bind(i, bindings[i]);
			}
			return Flux.from(statement.execute()).concatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
		}, Connection::close);
	}

	/** Passes everything to another factory, noting the SQL of every statement created. */
	private static final class RecordingConnectionFactory implements ConnectionFactory {

		final List<String> statements = new CopyOnWriteArrayList<>();
		private final ConnectionFactory delegate;

		RecordingConnectionFactory(ConnectionFactory delegate) {
			this.delegate = delegate;
		}

		@Override
		public Publisher<? extends Connection> create() {
			return Mono.from(delegate.create()).map(this::recording);
		}

		@Override
		public ConnectionFactoryMetadata getMetadata() {
			return delegate.getMetadata();
		}

		private Connection recording(Connection connection) {
			return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
					new Class<?>[] { Connection.class }, (proxy, method, args) -> {
						if (method.getName().equals("createStatement")) {
							statements.add((String) args[0]);
						}
						try {
							return method.invoke(connection, args);
						}
						catch (InvocationTargetException e) {
							throw e.getCause();
						}
					});
		}
	}
}
