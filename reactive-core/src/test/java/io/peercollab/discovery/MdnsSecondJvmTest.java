// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static io.peercollab.discovery.MdnsTestSupport.APPEAR;
import static io.peercollab.discovery.MdnsTestSupport.DISAPPEAR;
import static io.peercollab.discovery.MdnsTestSupport.first;
import static io.peercollab.discovery.MdnsTestSupport.is;
import static io.peercollab.discovery.MdnsTestSupport.name;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discovery across processes: {@link AnnounceMain} runs in a second JVM, bound to 127.0.0.1 like this one.
 */
@Tag("slow")
@Execution(ExecutionMode.CONCURRENT)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MdnsSecondJvmTest {

	final String serviceType = MdnsTestSupport.uniqueServiceType();
	final List<DiscoverySession> sessions = new CopyOnWriteArrayList<>();
	final List<Process> children = new CopyOnWriteArrayList<>();

	@AfterEach
	void stopEverything() {
		children.forEach(Process::destroyForcibly);
		Flux.fromIterable(sessions).flatMap(DiscoverySession::close).then().block(Duration.ofSeconds(20));
	}

	/** Starts {@link AnnounceMain} and waits until it has registered its announcement. */
	Process announceInAnotherJvm(PeerName name, String nickname, int port, String... jvmOptions) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("-Djava.net.preferIPv4Stack=true");
		command.add("-XX:TieredStopAtLevel=1");
		command.add("-XX:+UseSerialGC");
		command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
		command.addAll(List.of(jvmOptions));
		command.add(AnnounceMain.class.getName());
		command.addAll(List.of(serviceType, name.toString(), nickname, Integer.toString(port)));
		Path log = Files.createDirectories(Path.of("target", "mdns-children")).resolve(name.classifier() + ".log");
		Process child = new ProcessBuilder(command).redirectError(log.toFile()).start();
		children.add(child);
		BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
		String line = Mono.fromCallable(() -> {
			String l;
			while ((l = out.readLine()) != null && !l.equals("READY")) {
				// Skip anything printed before READY.
			}
			return String.valueOf(l);
		}).subscribeOn(Schedulers.boundedElastic()).timeout(Duration.ofSeconds(30)).block();
		assertThat(line).as("first line of the child, see " + log).isEqualTo("READY");
		return child;
	}

	@Test
	void anEndPointInAnotherJvmIsAddedAndRemovedWhenItClosesItsSession() throws Exception {
		PeerName child = name("child");
		DiscoverySession here = MdnsTestSupport.discovery(serviceType)
				.start(new Announcement(name("parent"), "Parent", 40081))
				.block(Duration.ofSeconds(10));
		sessions.add(here);
		long startedAt = System.nanoTime();
		Process process = announceInAnotherJvm(child, "Child", 40082);
		long readyAt = System.nanoTime();

		DiscoveryEvent added = first(here, is(ChangeType.ADDED, child), APPEAR).block();
		System.out.printf("second JVM: process start -> READY %d ms, READY -> ADDED %d ms%n",
				TimeUnit.NANOSECONDS.toMillis(readyAt - startedAt),
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readyAt));
		assertThat(added.peer().nickname()).isEqualTo("Child");
		assertThat(added.peer().endPoints()).singleElement()
				.satisfies(e -> assertThat(e.tcpAddress().getPort()).isEqualTo(40082));

		Mono<DiscoveryEvent> removed = first(here, is(ChangeType.REMOVED, child), DISAPPEAR).cache();
		removed.subscribe();
		long closedAt = System.nanoTime();
		process.getOutputStream().close();
		removed.block();
		System.out.printf("second JVM: stdin closed -> REMOVED: %d ms%n",
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt));
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).isZero();
	}

	@Test
	void aVanishedJvmIsRemovedWhenItsRecordsExpire() throws Exception {
		PeerName child = name("vanishing");
		DiscoverySession here = MdnsTestSupport.discovery(serviceType)
				.start(new Announcement(name("watcher"), "Watcher", 40091))
				.block(Duration.ofSeconds(10));
		sessions.add(here);
		// jmDNS's default TTL is 3600 s; the child announces with 5 s to show what the worst case is made of.
		int ttlSeconds = 5;
		Process process = announceInAnotherJvm(child, "Vanishing", 40092, "-Dnet.dns.ttl=" + ttlSeconds);
		first(here, is(ChangeType.ADDED, child), APPEAR).block();

		Mono<DiscoveryEvent> removed = first(here, is(ChangeType.REMOVED, child), DISAPPEAR).cache();
		removed.subscribe();
		long killedAt = System.nanoTime();
		// SIGKILL: no goodbye, as when a machine crashes or leaves the network.
		process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		removed.block();
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
		System.out.printf("vanished JVM (TTL %d s): killed -> REMOVED: %d ms%n", ttlSeconds, millis);
		// Worst case: the TTL after its last announcement, plus a sweep; the rest is slack for a loaded machine.
		assertThat(millis).isLessThanOrEqualTo(ttlSeconds * 1000L + MdnsSession.SWEEP_INTERVAL.toMillis() + 2000);
	}
}
