// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.peercollab.PeerIdentityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerIdentityLoadOrGenerateTest {

	private static final char[] PASSWORD = "correct horse battery staple".toCharArray();

	@TempDir
	Path dir;

	@Test
	void theFirstRunGeneratesAndSavesAnEd25519IdentityInNewDirectories() throws Exception {
		Path file = dir.resolve("a/b/alice.p12");

		PeerIdentity first = PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");

		assertThat(first.keyType()).isEqualTo(KeyType.ED25519);
		assertThat(first.name().classifier()).isEqualTo("alice");
		assertThat(file).isRegularFile();
		assertThat(PeerIdentity.load(file, PASSWORD).name()).isEqualTo(first.name());
		try (var files = Files.list(file.getParent())) {
			assertThat(files).as("no temporary file is left behind").containsExactly(file);
		}
	}

	@Test
	void theSecondRunLoadsTheSameIdentity() {
		Path file = dir.resolve("alice.p12");
		PeerIdentity first = PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");

		PeerIdentity second = PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");

		assertThat(second.name()).isEqualTo(first.name());
		assertThat(second.privateKey().getEncoded()).isEqualTo(first.privateKey().getEncoded());
	}

	@Test
	void aNewFileIsReadableByItsOwnerOnly() throws Exception {
		Path file = dir.resolve("alice.p12");
		PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");

		if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			assertThat(Files.getPosixFilePermissions(file))
					.isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
		}
	}

	@Test
	void aWrongPasswordFailsAndLeavesTheFileAsItIs() throws Exception {
		Path file = dir.resolve("alice.p12");
		PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");
		byte[] before = Files.readAllBytes(file);

		assertThatThrownBy(() -> PeerIdentity.loadOrGenerate(file, "wrong".toCharArray(), "alice"))
				.isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("Wrong password")
				.hasMessageContaining(file.toString());
		assertThat(Files.readAllBytes(file)).isEqualTo(before);
	}

	@Test
	void aFileThatIsNoIdentityFailsAndIsNeverOverwritten() throws Exception {
		Path file = dir.resolve("alice.p12");
		byte[] notAnIdentity = "my shopping list: eggs, milk".getBytes(StandardCharsets.UTF_8);
		Files.write(file, notAnIdentity);

		assertThatThrownBy(() -> PeerIdentity.loadOrGenerate(file, PASSWORD, "alice"))
				.isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining(file.toString())
				.hasMessageContaining("damaged");
		assertThat(Files.readAllBytes(file)).isEqualTo(notAnIdentity);
	}

	@Test
	void anEmptyFileFailsAndIsNeverOverwritten() throws Exception {
		Path file = Files.createFile(dir.resolve("alice.p12"));

		assertThatThrownBy(() -> PeerIdentity.loadOrGenerate(file, PASSWORD, "alice"))
				.isInstanceOf(PeerIdentityException.class);
		assertThat(file).isEmptyFile();
	}

	@Test
	void aFileHoldingAnotherClassifiersIdentityFails() {
		Path file = dir.resolve("shared.p12");
		PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");

		assertThatThrownBy(() -> PeerIdentity.loadOrGenerate(file, PASSWORD, "bob"))
				.isInstanceOf(PeerIdentityException.class)
				.hasMessageContaining("'alice'")
				.hasMessageContaining("'bob'");
	}

	@Test
	void anInvalidClassifierIsRefusedBeforeAnyFileIsMade() {
		Path file = dir.resolve("x/bad.p12");

		assertThatThrownBy(() -> PeerIdentity.loadOrGenerate(file, PASSWORD, "has space"))
				.isInstanceOf(IllegalArgumentException.class);
		assertThat(file.getParent()).doesNotExist();
	}

	@Test
	void concurrentFirstRunsAllGetTheOneIdentityThatWasSaved() throws Exception {
		Path file = dir.resolve("alice.p12");
		int callers = 4;
		CyclicBarrier start = new CyclicBarrier(callers);
		ExecutorService pool = Executors.newFixedThreadPool(callers);
		try {
			List<Future<PeerIdentity>> results = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				results.add(pool.submit(() -> {
					start.await(10, TimeUnit.SECONDS);
					return PeerIdentity.loadOrGenerate(file, PASSWORD, "alice");
				}));
			}
			PeerName saved = null;
			for (Future<PeerIdentity> r : results) {
				PeerName name = r.get(30, TimeUnit.SECONDS).name();
				saved = saved == null ? name : saved;
				assertThat(name).isEqualTo(saved);
			}
			assertThat(PeerIdentity.load(file, PASSWORD).name()).isEqualTo(saved);
		}
		finally {
			pool.shutdownNow();
		}
	}
}
