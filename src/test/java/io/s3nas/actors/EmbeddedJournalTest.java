package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search entity on the real embedded H2 journal survives the end of its actor system. */
class EmbeddedJournalTest {
  @TempDir Path dir;

  ActorTestKit system() {
    EmbeddedJournal.createSchema(dir);
    return ActorTestKit.create("journal", EmbeddedJournal.config(dir).withFallback(ConfigFactory.load()));
  }

  @Test
  void aSearchRecoversFromTheH2FileInANewActorSystem() {
    ActorTestKit first = system();
    try {
      ActorRef<SearchSupervisor.Command> s = first.spawn(SearchSupervisor.create("h2-1"));
      TestProbe<StatusReply<Done>> ack = first.createTestProbe();
      s.tell(new SearchSupervisor.Submit(SearchSupervisorTest.SPEC, ack.getRef()));
      assertTrue(ack.receiveMessage(Duration.ofSeconds(20)).isSuccess());
      s.tell(new SearchSupervisor.LatencyReady("table", 4, 12, ack.getRef()));
      ack.receiveMessage(Duration.ofSeconds(10));
      s.tell(new SearchSupervisor.SupernetProgressed(50, 392, "warmup", 2.0, 8.0, "ckpt-50", ack.getRef()));
      assertTrue(ack.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    } finally {
      first.shutdownTestKit();
    }
    EmbeddedJournal.createSchema(dir); // idempotent on an existing file
    ActorTestKit second = system();
    try {
      ActorRef<SearchSupervisor.Command> s = second.spawn(SearchSupervisor.create("h2-1"));
      TestProbe<SearchSupervisor.Status> st = second.createTestProbe();
      s.tell(new SearchSupervisor.GetStatus(st.getRef()));
      SearchSupervisor.Status status = st.receiveMessage(Duration.ofSeconds(20));
      assertEquals("running", status.state());
      assertEquals(Stage.SUPERNET, status.stage());
      assertEquals(50, status.step());
      assertEquals("ckpt-50", status.checkpointRef());
      assertEquals(List.of(), status.architecture());
    } finally {
      second.shutdownTestKit();
    }
  }
}
