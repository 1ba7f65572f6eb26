package io.peercollab.contact;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.PeerApplication;
import io.peercollab.internal.R2dbcContactStore;
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
 * {@link ContactStore#h2(Path)} against the {@link ContactStoreContract}, each test in a directory of its own and
 * reading back through a second store over the same file; then what only a database store does: schema versions,
 * reopening, rows it cannot read, other connection factories.
 */
class R2dbcContactStoreTest extends ContactStoreContract {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@TempDir
	Path directory;

	@Override
	protected ContactStore newStore() {
		return ContactStore.h2(directory);
	}

	@Override
	protected ContactStore reopen(ContactStore store) {
		StepVerifier.create(store.close()).verifyComplete();
		return ContactStore.h2(directory);
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

		ContactStore again = ContactStore.h2(directory);

		StepVerifier.create(again.findAll()).expectNext(contact).verifyComplete();
		StepVerifier.create(again.applications()).expectNext(application).verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();
	}

	@Test
	void theDirectoryIsCreatedOnFirstUseAndNotBefore() {
		Path nested = directory.resolve("not/yet");
		ContactStore lazy = ContactStore.h2(nested);
		assertThat(nested).doesNotExist();

		StepVerifier.create(lazy.findAll()).verifyComplete();

		assertThat(nested.resolve("contacts.mv.db")).isRegularFile();
		StepVerifier.create(lazy.close()).verifyComplete();
	}

	@Test
	void aDirectoryWhoseNameH2WouldReadAsASettingIsRefused() {
		assertThatThrownBy(() -> ContactStore.h2(directory.resolve("a;b")))
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
	void theSchemaIsAtVersionOneAfterFirstUse() {
		StepVerifier.create(store().findAll()).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();

		StepVerifier.create(column(fileFactory(), "SELECT version FROM schema_version")).expectNext("1").verifyComplete();
		StepVerifier.create(column(fileFactory(),
						"SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = 'PUBLIC' "
								+ "ORDER BY table_name"))
				.expectNext("applications", "contacts", "schema_version")
				.verifyComplete();
	}

	@Test
	void openingTheDirectoryAgainDoesNotRunTheMigrationAgain() {
		StepVerifier.create(store().insert(contactOf(alice))).verifyComplete();
		StepVerifier.create(store().close()).verifyComplete();
		String appliedAt = column(fileFactory(), "SELECT CAST(applied_at AS VARCHAR) FROM schema_version")
				.single().block(TIMEOUT);
		RecordingConnectionFactory recording = new RecordingConnectionFactory(fileFactory());

		ContactStore again = ContactStore.r2dbc(recording);
		StepVerifier.create(again.find(alice.name())).expectNext(contactOf(alice)).verifyComplete();
		StepVerifier.create(again.close()).verifyComplete();

		assertThat(recording.statements).anyMatch(sql -> sql.contains("FROM schema_version"))
				.noneMatch(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS contacts"))
				.noneMatch(sql -> sql.startsWith("INSERT INTO schema_version"));
		StepVerifier.create(column(fileFactory(), "SELECT version || ' ' || CAST(applied_at AS VARCHAR) FROM schema_version"))
				.expectNext("1 " + appliedAt)
				.verifyComplete();
	}

	@Test
	void theSchemaIsCheckedOncePerStoreHoweverManyOperationsRunAtOnce() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("once-" + UUID.randomUUID());
		RecordingConnectionFactory recording = new RecordingConnectionFactory(database);
		ContactStore store = ContactStore.r2dbc(recording);

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
		ContactStore store = ContactStore.r2dbc(factory);
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
		StepVerifier.create(column(factory, "SELECT COUNT(*) FROM schema_version")).expectNext("1").verifyComplete();
		StepVerifier.create(execute(factory, "SHUTDOWN")).expectNextCount(1).verifyComplete();
	}

	@Test
	void aStoredContactThatCannotBeReadFailsTheStreamNamingIt() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("corrupt-" + UUID.randomUUID());
		ContactStore store = ContactStore.r2dbc(database);
		StepVerifier.create(Flux.just(contactOf(alice), contactOf(bob), contactOf(carol), contactOf(dave))
				.concatMap(store::insert)).verifyComplete();

		StepVerifier.create(execute(database, "UPDATE contacts SET subscribe_allowed = 'MAYBE' WHERE name = $1",
						bob.name().toString())
						.then(execute(database, "UPDATE contacts SET certificate = X'3000' WHERE name = $1",
								carol.name().toString()))
						.then(execute(database, "UPDATE contacts SET endpoints = 'three|fields|only' || CHAR(10) "
								+ "WHERE name = $1", dave.name().toString())))
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
						.hasMessageContaining("line 1"))
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
		ContactStore store = ContactStore.r2dbc(database);
		UUID broken = new UUID(2, 2);
		StepVerifier.create(store.saveApplication(application(new UUID(1, 1)))
				.then(store.saveApplication(application(broken)))).verifyComplete();

		StepVerifier.create(execute(database, "UPDATE applications SET arguments = 'no line feed' WHERE id = $1",
						broken))
				.expectNext(1L)
				.verifyComplete();

		StepVerifier.create(store.applications())
				.expectNext(application(new UUID(1, 1)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining(broken.toString())
						.hasMessageContaining("arguments"))
				.verify();
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
	}

	@Test
	void aDatabaseWithANewerSchemaIsRefusedAndLeftAlone() {
		CloseableConnectionFactory database = H2ConnectionFactory.inMemory("newer-" + UUID.randomUUID());
		StepVerifier.create(execute(database, "CREATE TABLE schema_version (version INT PRIMARY KEY, "
						+ "applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)")
						.then(execute(database, "INSERT INTO schema_version (version) VALUES (2)")))
				.expectNext(1L)
				.verifyComplete();
		ContactStore store = ContactStore.r2dbc(database);

		StepVerifier.create(store.findAll())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("schema version 2"))
				.verify();

		StepVerifier.create(column(database,
						"SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) = 'contacts'"))
				.expectNext("0")
				.verifyComplete();
		StepVerifier.create(store.close().then(database.close())).verifyComplete();
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
