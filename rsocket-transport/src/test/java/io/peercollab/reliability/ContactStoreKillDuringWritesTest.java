// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.peercollab.contact.ContactStores;
import io.peercollab.contact.ContactWriterMain;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ContactStores#h2(Path)} survives its process being killed again and again during {@value #WRITES} writes: a
 * child JVM ({@link ContactWriterMain}) inserts contacts one by one and reports each acknowledgement; the test kills it
 * with SIGKILL after a random number of them, opens the store, checks that it opens cleanly and holds every
 * acknowledged contact exactly as written (and only a prefix of the sequence), closes it and starts a new writer where
 * the store stopped, until all {@value #WRITES} are in.
 */
@Tag("slow")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContactStoreKillDuringWritesTest {

	static final int WRITES = 10_000;
	static final int MAX_ROUNDS = 30;

	@TempDir
	Path directory;

	@Test
	void everyAcknowledgedWriteOfTenThousandSurvivesRepeatedKillsAndTheStoreOpensCleanly() throws Exception {
		long seed = Long.getLong("peercollab.store.seed", System.nanoTime());
		Random random = new Random(seed);
		Path data = directory.resolve("data");
		// the certificate each writer process put in its contacts, by the index of its first contact
		TreeMap<Integer, X509Certificate> certificates = new TreeMap<>();
		List<String> rounds = new ArrayList<>();
		int stored = 0;
		int acknowledged = 0;
		int kills = 0;
		long started = System.nanoTime();
		for (int round = 0; stored < WRITES && round < MAX_ROUNDS; round++) {
			int killAfter = 2_000 + random.nextInt(2_500);
			int ackedThisRound = 0;
			boolean finished = false;
			int highestAck = -1;
			try (ChildJvm writer = ChildJvm.start(ContactWriterMain.class, directory.resolve("writer-" + round + ".txt"),
					data.toString(), Integer.toString(stored), Integer.toString(WRITES))) {
				String cert = writer.expect("CERT ", Duration.ofSeconds(60));
				certificates.put(stored, (X509Certificate) CertificateFactory.getInstance("X.509")
						.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(cert))));
				while (ackedThisRound < killAfter) {
					String line = writer.nextLine(Duration.ofSeconds(60));
					if (line == null || line.equals("DONE")) {
						finished = true;
						break;
					}
					assertThat(line).startsWith("ACK ");
					highestAck = ContactWriterMain.index(PeerName.parse(line.substring(4)));
					ackedThisRound++;
				}
				// the writer is still inserting: the kill lands in the middle of some insert
				writer.kill();
				if (!finished) {
					kills++;
				}
			}
			acknowledged += ackedThisRound;

			long openedAt = System.nanoTime();
			ContactStore store = ContactStores.h2(data);
			List<PeerContact> all = store.findAll().collectList().block(Duration.ofSeconds(60));
			long openMs = (System.nanoTime() - openedAt) / 1_000_000;
			List<Integer> indices = all.stream().map(c -> ContactWriterMain.index(c.name())).sorted().toList();
			assertThat(indices).as("contacts after round %d: a prefix of the sequence, with every acknowledged one",
					round).hasSizeGreaterThan(highestAck).isEqualTo(range(indices.size()));
			for (PeerContact contact : all) {
				int i = ContactWriterMain.index(contact.name());
				assertThat(contact).isEqualTo(ContactWriterMain.contact(i, certificates.floorEntry(i).getValue()));
			}
			store.close().block(Duration.ofSeconds(30));
			rounds.add(String.format("round %d: %s after %d acks, %d stored (+%d), store opened and read in %d ms",
					round, finished ? "writer finished" : "killed", ackedThisRound, indices.size(),
					indices.size() - stored, openMs));
			stored = indices.size();
		}
		long totalMs = (System.nanoTime() - started) / 1_000_000;
		rounds.forEach(System.out::println);
		System.out.printf("STORE seed=%d: %d writes stored, %d acknowledged and read back, %d kills, %d rounds, %d ms%n",
				seed, stored, acknowledged, kills, rounds.size(), totalMs);

		assertThat(stored).isEqualTo(WRITES);
		assertThat(kills).as("writers killed in the middle of their writes").isGreaterThanOrEqualTo(2);
		// writable after all that, not merely readable
		ContactStore store = ContactStores.h2(data);
		store.insert(ContactWriterMain.contact(WRITES, certificates.firstEntry().getValue())).block(Endpoints.WAIT);
		assertThat(store.findAll().count().block(Endpoints.WAIT)).isEqualTo(WRITES + 1L);
		store.close().block(Endpoints.WAIT);
	}

	private static List<Integer> range(int n) {
		List<Integer> r = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			r.add(i);
		}
		return r;
	}
}
