<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl" sourcelanguage="en">
<context>
    <name>ArchivePage</name>
    <message>
        <source>Archive</source>
        <translation>Archief</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>Nu versturen</translation>
    </message>
    <message>
        <source>Every sealed recording is also kept in the organisation&apos;s archive, locked until the end of its retention term. Nothing waits for it: what cannot be sent now is queued on this laptop and sent later.</source>
        <translation>Elke verzegelde opname wordt ook bewaard in het archief van de organisatie, vergrendeld tot het einde van haar bewaartermijn. Niets wacht daarop: wat nu niet verstuurd kan worden, staat in de wachtrij op deze laptop en gaat later.</translation>
    </message>
    <message>
        <source>COMPLIANCE: nobody can delete or shorten a copy early</source>
        <translation>COMPLIANCE: niemand kan een kopie eerder verwijderen of korter bewaren</translation>
    </message>
    <message>
        <source>GOVERNANCE: only a specially authorised administrator can delete early</source>
        <translation>GOVERNANCE: alleen een speciaal gemachtigde beheerder kan eerder verwijderen</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adres</translation>
    </message>
    <message>
        <source>Bucket</source>
        <translation>Bucket</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>Regio</translation>
    </message>
    <message>
        <source>Lock mode</source>
        <translation>Vergrendeling</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>Credentials</source>
        <translation>Toegangsgegevens</translation>
    </message>
    <message>
        <source>being looked up…</source>
        <translation>worden opgezocht…</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Wachtrij</translation>
    </message>
    <message>
        <source>not checked yet</source>
        <translation>nog niet bekeken</translation>
    </message>
    <message>
        <source>Last problem</source>
        <translation>Laatste probleem</translation>
    </message>
    <message>
        <source>none</source>
        <translation>geen</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Bezig met versturen…</translation>
    </message>
    <message>
        <source>from the environment (%1)</source>
        <translation>uit de omgeving (%1)</translation>
    </message>
    <message>
        <source>from the computer&apos;s keyring (%1)</source>
        <translation>uit de sleutelbos van de computer (%1)</translation>
    </message>
    <message>
        <source>from the file %1</source>
        <translation>uit het bestand %1</translation>
    </message>
    <message>
        <source>none found on this computer; ask the IT department</source>
        <translation>niet gevonden op deze computer; vraag het de ICT-afdeling</translation>
    </message>
    <message>
        <source>Last checked at %1</source>
        <translation>Laatst bekeken om %1</translation>
    </message>
    <message>
        <source>nothing waits: everything is in the archive</source>
        <translation>er wacht niets: alles staat in het archief</translation>
    </message>
    <message>
        <source>%1 waiting, of which %2 recording(s)</source>
        <translation>%1 wachten, waarvan %2 opname(n)</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <source>Filter: action, person, recording</source>
        <translation>Filter: handeling, persoon, opname</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>Verify again</source>
        <translation>Opnieuw controleren</translation>
    </message>
    <message>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Tijdstip</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Wie</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Handeling</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>Auditspoor</translation>
    </message>
</context>
<context>
    <name>BreachDialog</name>
    <message>
        <source>Report a breach of the rules</source>
        <translation>Overtreding van de spelregels melden</translation>
    </message>
    <message>
        <source>When a citizen does not keep to the rules (a recording published or edited, recorded without saying so), say what happened. The report goes to:
%1</source>
        <translation>Houdt een inwoner zich niet aan de spelregels (een opname gepubliceerd of bewerkt, opgenomen zonder het te zeggen), beschrijf dan wat er is gebeurd. De melding gaat naar:
%1</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>Gesprek</translation>
    </message>
    <message>
        <source>Citizen&apos;s recording of %1 (%2), recorded by %3</source>
        <translation>Opname door inwoner van %1 (%2), opgenomen door %3</translation>
    </message>
    <message>
        <source>Recording %1 of %2</source>
        <translation>Opname %1 van %2</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>Wat is er gebeurd</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschrijving</translation>
    </message>
    <message>
        <source>What happened, in your own words</source>
        <translation>Wat er is gebeurd, in uw eigen woorden</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Wanneer</translation>
    </message>
    <message>
        <source>When it happened, or was found</source>
        <translation>Wanneer het gebeurde, of werd ontdekt</translation>
    </message>
    <message>
        <source>Reported by</source>
        <translation>Gemeld door</translation>
    </message>
    <message>
        <source>Report and save…</source>
        <translation>Melden en opslaan…</translation>
    </message>
    <message>
        <source>Choose the conversation.</source>
        <translation>Kies het gesprek.</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>Melding opslaan</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;E-mail text (*.txt)</source>
        <translation>PDF (*.pdf);;E-mailtekst (*.txt)</translation>
    </message>
</context>
<context>
    <name>CitizenDialog</name>
    <message>
        <source>The citizen records</source>
        <translation>De burger neemt op</translation>
    </message>
    <message>
        <source>A citizen may record a conversation they take part in (or record for a participant) when they say so beforehand. Ask why they want to record; refuse only for weighty reasons and offer an alternative. The citizen gets the rules on one page, in Dutch and English.</source>
        <translation>Een inwoner mag een gesprek opnemen waaraan hij of zij deelneemt (of opnemen namens een deelnemer) als dat vooraf wordt gezegd. Vraag waarom de inwoner wil opnemen; weiger alleen om zwaarwegende redenen en bied een alternatief aan. De inwoner krijgt de spelregels op één pagina, in het Nederlands en Engels.</translation>
    </message>
    <message>
        <source>Date of the conversation</source>
        <translation>Datum van het gesprek</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>Medewerker</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>Inwoner</translation>
    </message>
    <message>
        <source>Other participants</source>
        <translation>Andere deelnemers</translation>
    </message>
    <message>
        <source>One name per line (a representative, say)</source>
        <translation>Eén naam per regel (bijvoorbeeld een gemachtigde)</translation>
    </message>
    <message>
        <source>Who records</source>
        <translation>Wie neemt op</translation>
    </message>
    <message>
        <source>Empty: the citizen</source>
        <translation>Leeg: de inwoner</translation>
    </message>
    <message>
        <source>On behalf of</source>
        <translation>Namens</translation>
    </message>
    <message>
        <source>When the one who records takes no part</source>
        <translation>Als wie opneemt zelf niet deelneemt</translation>
    </message>
    <message>
        <source>The citizen said so before the conversation</source>
        <translation>De inwoner heeft dit vóór het gesprek gezegd</translation>
    </message>
    <message>
        <source>The citizen&apos;s reason</source>
        <translation>De reden van de inwoner</translation>
    </message>
    <message>
        <source>Why the citizen wants to record, as told</source>
        <translation>Waarom de inwoner wil opnemen, zoals verteld</translation>
    </message>
    <message>
        <source>Agreed</source>
        <translation>Ingestemd</translation>
    </message>
    <message>
        <source>Refused for weighty reasons (rule f)</source>
        <translation>Geweigerd om zwaarwegende redenen (spelregel f)</translation>
    </message>
    <message>
        <source>Weighty reasons</source>
        <translation>Zwaarwegende redenen</translation>
    </message>
    <message>
        <source>One reason per line</source>
        <translation>Eén reden per regel</translation>
    </message>
    <message>
        <source>Alternative offered</source>
        <translation>Aangeboden alternatief</translation>
    </message>
    <message>
        <source>Note on the alternative</source>
        <translation>Toelichting bij het alternatief</translation>
    </message>
    <message>
        <source>The municipality asks for a copy (rule a)</source>
        <translation>De gemeente vraagt om een kopie (spelregel a)</translation>
    </message>
    <message>
        <source>Case number</source>
        <translation>Zaaknummer</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reden</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Besluit</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Toelichting</translation>
    </message>
    <message>
        <source>Register and save the rules sheet…</source>
        <translation>Registreren en spelregelblad opslaan…</translation>
    </message>
    <message>
        <source>Rules sheet only…</source>
        <translation>Alleen het spelregelblad…</translation>
    </message>
    <message>
        <source>Save the rules sheet</source>
        <translation>Spelregelblad opslaan</translation>
    </message>
</context>
<context>
    <name>DeriveDialog</name>
    <message>
        <source>Edited version (rule b)</source>
        <translation>Bewerkte versie (spelregel b)</translation>
    </message>
    <message>
        <source>Parts to cut</source>
        <translation>Weg te knippen stukken</translation>
    </message>
    <message>
        <source>What is cut and why</source>
        <translation>Wat wordt weggeknipt en waarom</translation>
    </message>
    <message>
        <source>The edit was announced to everyone</source>
        <translation>De bewerking is aan iedereen aangekondigd</translation>
    </message>
    <message>
        <source>What and why</source>
        <translation>Wat en waarom</translation>
    </message>
    <message>
        <source>agrees</source>
        <translation>stemt in</translation>
    </message>
    <message>
        <source>Orally</source>
        <translation>Mondeling</translation>
    </message>
    <message>
        <source>In writing</source>
        <translation>Schriftelijk</translation>
    </message>
    <message>
        <source>Make edited version</source>
        <translation>Bewerkte versie maken</translation>
    </message>
    <message>
        <source>Making the edited version…</source>
        <translation>De bewerkte versie wordt gemaakt…</translation>
    </message>
</context>
<context>
    <name>EraseDialog</name>
    <message>
        <source>Delete early</source>
        <translation>Eerder verwijderen</translation>
    </message>
    <message>
        <source>Delete this recording before its term: the citizen withdrew consent, asked for erasure, or it was made by mistake. The Privacy Officer confirms with the organisation&apos;s recovery key. This cannot be undone.</source>
        <translation>Deze opname vóór het einde van de termijn verwijderen: de inwoner trok de toestemming in, vroeg om wissing, of de opname is per vergissing gemaakt. De Privacy Officer bevestigt met de herstelsleutel van de organisatie. Dit kan niet ongedaan worden gemaakt.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reden</translation>
    </message>
    <message>
        <source>Privacy Officer&apos;s key file</source>
        <translation>Sleutelbestand van de Privacy Officer</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Kiezen…</translation>
    </message>
    <message>
        <source>Passphrase of the key</source>
        <translation>Wachtwoordzin van de sleutel</translation>
    </message>
    <message>
        <source>Make a deletion receipt for the citizen (PDF)</source>
        <translation>Een bevestiging van verwijdering voor de inwoner maken (PDF)</translation>
    </message>
    <message>
        <source>Deletion receipt</source>
        <translation>Bevestiging van verwijdering</translation>
    </message>
    <message>
        <source>Privacy Officer&apos;s key</source>
        <translation>Sleutel van de Privacy Officer</translation>
    </message>
    <message>
        <source>Give the reason for the early deletion.</source>
        <translation>Geef de reden van het eerder verwijderen.</translation>
    </message>
    <message>
        <source>Choose the Privacy Officer&apos;s key file.</source>
        <translation>Kies het sleutelbestand van de Privacy Officer.</translation>
    </message>
    <message>
        <source>%1 already exists.</source>
        <translation>%1 bestaat al.</translation>
    </message>
    <message>
        <source>Checking the key and deleting…</source>
        <translation>Sleutel controleren en verwijderen…</translation>
    </message>
    <message>
        <source>Recording %1 deleted: its key and files are destroyed.</source>
        <translation>Opname %1 verwijderd: de sleutel en de bestanden zijn vernietigd.</translation>
    </message>
    <message>
        <source>Deletion receipt: %1</source>
        <translation>Bevestiging van verwijdering: %1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Sluiten</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Copy for the citizen</source>
        <translation>Kopie voor de inwoner</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Formaat</translation>
    </message>
    <message>
        <source>WAV (plays everywhere)</source>
        <translation>WAV (speelt overal af)</translation>
    </message>
    <message>
        <source>FLAC (smaller, lossless)</source>
        <translation>FLAC (kleiner, zonder kwaliteitsverlies)</translation>
    </message>
    <message>
        <source>MP3 (for old devices)</source>
        <translation>MP3 (voor oude apparaten)</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Ontvanger</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Kiezen…</translation>
    </message>
    <message>
        <source>A participant, or their representative</source>
        <translation>Een deelnemer, of diens vertegenwoordiger</translation>
    </message>
    <message>
        <source>Representative of</source>
        <translation>Vertegenwoordiger van</translation>
    </message>
    <message>
        <source>— the recipient took part —</source>
        <translation>— de ontvanger nam deel aan het gesprek —</translation>
    </message>
    <message>
        <source>Representative of %1</source>
        <translation>Vertegenwoordiger van %1</translation>
    </message>
    <message>
        <source>Consent of every party</source>
        <translation>Toestemming van alle partijen</translation>
    </message>
    <message>
        <source>Only for someone who did not take part</source>
        <translation>Alleen voor iemand die niet deelnam</translation>
    </message>
    <message>
        <source>What the copy holds</source>
        <translation>Wat de kopie bevat</translation>
    </message>
    <message>
        <source>For (recipient)</source>
        <translation>Voor (ontvanger)</translation>
    </message>
    <message>
        <source>Acts for</source>
        <translation>Treedt op voor</translation>
    </message>
    <message>
        <source>Consent file (rule c)</source>
        <translation>Toestemmingsbestand (regel c)</translation>
    </message>
    <message>
        <source>Folder or USB stick</source>
        <translation>Map of USB-stick</translation>
    </message>
    <message>
        <source>Make copy</source>
        <translation>Kopie maken</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Map openen</translation>
    </message>
    <message>
        <source>Folder for the copy</source>
        <translation>Map voor de kopie</translation>
    </message>
    <message>
        <source>Making the copy…</source>
        <translation>Kopie wordt gemaakt…</translation>
    </message>
    <message>
        <source>Copy made in %1. The citizen opens controleer.html to check it.</source>
        <translation>Kopie gemaakt in %1. De inwoner opent controleer.html om haar te controleren.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Sluiten</translation>
    </message>
    <message>
        <source>Cancelled; nothing was left behind.</source>
        <translation>Geannuleerd; er is niets half achtergebleven.</translation>
    </message>
</context>
<context>
    <name>FilePage</name>
    <message>
        <source>The citizen&apos;s recording</source>
        <translation>De opname van de inwoner</translation>
    </message>
    <message>
        <source>A citizen may record a conversation, and the municipality may ask for a copy (rule a). The copy is kept exactly as received, encrypted, for the term of the purpose. Choose the file, for example on the USB stick the citizen brought.</source>
        <translation>Een inwoner mag een gesprek opnemen, en de gemeente mag om een kopie vragen (spelregel a). De kopie wordt precies zo bewaard als ontvangen, versleuteld, voor de termijn van het doel. Kies het bestand, bijvoorbeeld op de USB-stick die de inwoner meebracht.</translation>
    </message>
    <message>
        <source>The citizen&apos;s file</source>
        <translation>Het bestand van de inwoner</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>Bestand kiezen…</translation>
    </message>
    <message>
        <source>Choose the citizen&apos;s recording</source>
        <translation>Kies de opname van de inwoner</translation>
    </message>
    <message>
        <source>Recordings (%1);;All files (*)</source>
        <translation>Opnamen (%1);;Alle bestanden (*)</translation>
    </message>
    <message>
        <source>Size: %1</source>
        <translation>Grootte: %1</translation>
    </message>
    <message>
        <source>Sound: %1, %2 Hz, %3 channel(s), %4</source>
        <translation>Geluid: %1, %2 Hz, %3 kanaal/kanalen, %4</translation>
    </message>
    <message>
        <source>An audio file this program cannot play; it is kept as it is all the same.</source>
        <translation>Een geluidsbestand dat dit programma niet kan afspelen; het wordt toch precies zo bewaard.</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>Welcome to Gespreksopname</source>
        <translation>Welkom bij Gespreksopname</translation>
    </message>
    <message>
        <source>Recordings are kept encrypted in a vault on this computer. Choose a passphrase of several words; without it (or the organisation&apos;s recovery key) nobody can open the recordings.</source>
        <translation>Opnamen worden versleuteld bewaard in een kluis op deze computer. Kies een wachtwoord van meerdere woorden; zonder dat wachtwoord (of de herstelsleutel van de organisatie) kan niemand de opnamen openen.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Wachtwoord</translation>
    </message>
    <message>
        <source>Repeat passphrase</source>
        <translation>Herhaal het wachtwoord</translation>
    </message>
    <message>
        <source>Vault</source>
        <translation>Kluis</translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation>Nogmaals</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microfoon</translation>
    </message>
    <message>
        <source>Create vault</source>
        <translation>Kluis maken</translation>
    </message>
    <message>
        <source>weak</source>
        <translation>zwak</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>redelijk</translation>
    </message>
    <message>
        <source>good</source>
        <translation>goed</translation>
    </message>
    <message>
        <source>strong</source>
        <translation>sterk</translation>
    </message>
    <message>
        <source>Strength: %1</source>
        <translation>Sterkte: %1</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>De twee wachtwoorden zijn niet gelijk.</translation>
    </message>
    <message>
        <source>Vault created. This installation&apos;s key fingerprint is %1. It is printed on every receipt, so citizens can compare it.</source>
        <translation>Kluis gemaakt. De vingerafdruk van de sleutel van deze installatie is %1. Die staat op elk ontvangstbewijs, zodat inwoners hem kunnen vergelijken.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
</context>
<context>
    <name>HandoverPage</name>
    <message>
        <source>4. Handed over by, and sealed as received</source>
        <translation>4. Overhandigd door, en verzegeld zoals ontvangen</translation>
    </message>
    <message>
        <source>The seal says who handed the file over, when, and its SHA-256. It vouches only for the bytes received, not for how the citizen made or kept them.</source>
        <translation>Het zegel vermeldt wie het bestand overhandigde, wanneer, en de SHA-256 ervan. Het staat alleen in voor de ontvangen bytes, niet voor hoe de inwoner ze maakte of bewaarde.</translation>
    </message>
    <message>
        <source>Handed over by</source>
        <translation>Overhandigd door</translation>
    </message>
    <message>
        <source>File: %1</source>
        <translation>Bestand: %1</translation>
    </message>
    <message>
        <source>Kept encrypted for %1 days (%2), then destroyed.</source>
        <translation>Wordt %1 dagen versleuteld bewaard (%2) en daarna vernietigd.</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>Import the citizen&apos;s recording</source>
        <translation>Opname van de burger importeren</translation>
    </message>
    <message>
        <source>Import and seal</source>
        <translation>Importeren en verzegelen</translation>
    </message>
    <message>
        <source>I have told the participants this: who keeps the recording, why and how long</source>
        <translation>Ik heb de deelnemers dit verteld: wie de opname bewaart, waarom en hoe lang</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Gespreksopname — %1</source>
        <translation>Gespreksopname — %1</translation>
    </message>
    <message>
        <source>Recordings</source>
        <translation>Opnamen</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>Auditspoor</translation>
    </message>
    <message>
        <source>Key fingerprint: %1</source>
        <translation>Vingerafdruk van de sleutel: %1</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archief</translation>
    </message>
    <message>
        <source>Gespreksopname: not recording</source>
        <translation>Gespreksopname: neemt niet op</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Acties</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>Nieuw gesprek</translation>
    </message>
    <message>
        <source>Refuse a recording…</source>
        <translation>Opname weigeren…</translation>
    </message>
    <message>
        <source>Import the citizen&apos;s recording…</source>
        <translation>Opname van de burger importeren…</translation>
    </message>
    <message>
        <source>The citizen records…</source>
        <translation>De burger neemt op…</translation>
    </message>
    <message>
        <source>Report a breach…</source>
        <translation>Overtreding melden…</translation>
    </message>
    <message>
        <source>Verify a file or copy…</source>
        <translation>Bestand of kopie controleren…</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Instellingen</translation>
    </message>
    <message>
        <source>Not allowed</source>
        <translation>Niet toegestaan</translation>
    </message>
    <message>
        <source>Cannot record</source>
        <translation>Opnemen lukt niet</translation>
    </message>
    <message>
        <source>Gespreksopname: RECORDING</source>
        <translation>Gespreksopname: NEEMT OP</translation>
    </message>
    <message>
        <source>Gespreksopname: paused</source>
        <translation>Gespreksopname: gepauzeerd</translation>
    </message>
    <message>
        <source>Still recording</source>
        <translation>Opname loopt nog</translation>
    </message>
    <message>
        <source>A recording is running. Stop it, seal it and close?</source>
        <translation>Er loopt nog een opname. Stoppen, verzegelen en sluiten?</translation>
    </message>
    <message>
        <source>Cannot play</source>
        <translation>Afspelen lukt niet</translation>
    </message>
    <message>
        <source>Archive: checking…</source>
        <translation>Archief: wordt bekeken…</translation>
    </message>
    <message>
        <source>Archive: everything sent</source>
        <translation>Archief: alles verstuurd</translation>
    </message>
    <message>
        <source>Archive: %1 recording(s) waiting</source>
        <translation>Archief: %1 opname(n) wachten</translation>
    </message>
    <message>
        <source>Verify a file</source>
        <translation>Bestand controleren</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>Controle</translation>
    </message>
    <message>
        <source>Interrupted recordings</source>
        <translation>Onderbroken opnamen</translation>
    </message>
</context>
<context>
    <name>MicrophonePicker</name>
    <message>
        <source>Microphone</source>
        <translation>Microfoon</translation>
    </message>
    <message>
        <source>Test microphone</source>
        <translation>Microfoon testen</translation>
    </message>
    <message>
        <source>Input level</source>
        <translation>Geluidsniveau</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Standaardmicrofoon van het systeem</translation>
    </message>
    <message>
        <source>No sound at all (digital silence): is the microphone muted or switched off?</source>
        <translation>Helemaal geen geluid (digitale stilte): is de microfoon gedempt of uitgeschakeld?</translation>
    </message>
    <message>
        <source>The microphone works (peak %1 dBFS).</source>
        <translation>De microfoon werkt (piek %1 dBFS).</translation>
    </message>
</context>
<context>
    <name>NewConversationWizard</name>
    <message>
        <source>New conversation</source>
        <translation>Nieuw gesprek</translation>
    </message>
    <message>
        <source>Start recording</source>
        <translation>Opname starten</translation>
    </message>
</context>
<context>
    <name>PeoplePage</name>
    <message>
        <source>1. Who, where, and at whose request</source>
        <translation>1. Wie, waar en op wiens verzoek</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Naam</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rol</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Deelnemers</translation>
    </message>
    <message>
        <source>Add participant</source>
        <translation>Deelnemer toevoegen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Verwijderen</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Locatie</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— kies —</translation>
    </message>
    <message>
        <source>Office</source>
        <translation>Op kantoor</translation>
    </message>
    <message>
        <source>The citizen&apos;s home</source>
        <translation>Bij de inwoner thuis</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Telefonisch</translation>
    </message>
    <message>
        <source>Elsewhere</source>
        <translation>Elders</translation>
    </message>
    <message>
        <source>Who asks for the recording</source>
        <translation>Wie vraagt om de opname</translation>
    </message>
    <message>
        <source>The municipality</source>
        <translation>De gemeente</translation>
    </message>
    <message>
        <source>The citizen</source>
        <translation>De inwoner</translation>
    </message>
    <message>
        <source>Case number</source>
        <translation>Zaaknummer</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>Medewerker</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>Inwoner</translation>
    </message>
    <message>
        <source>Representative</source>
        <translation>Gemachtigde</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Anders</translation>
    </message>
</context>
<context>
    <name>PlayerDialog</name>
    <message>
        <source>Play back</source>
        <translation>Afspelen</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>Positie</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Afspelen</translation>
    </message>
    <message>
        <source>Markers</source>
        <translation>Markeringen</translation>
    </message>
    <message>
        <source>Markers (double-click to go there)</source>
        <translation>Markeringen (dubbelklik om erheen te gaan)</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pauzeren</translation>
    </message>
</context>
<context>
    <name>PurposePage</name>
    <message>
        <source>2. Purpose and legal basis (AVG)</source>
        <translation>2. Doel en rechtsgrond (AVG)</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>Doel</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— kies —</translation>
    </message>
    <message>
        <source>Legal basis</source>
        <translation>Rechtsgrond</translation>
    </message>
    <message>
        <source>Why a recording is necessary</source>
        <translation>Waarom een opname nodig is</translation>
    </message>
    <message>
        <source>Why are the alternatives not enough here?</source>
        <translation>Waarom volstaan de alternatieven hier niet?</translation>
    </message>
    <message>
        <source>A written summary of the conversation</source>
        <translation>Een schriftelijke weergave van het gesprek</translation>
    </message>
    <message>
        <source>The citizen brings a representative or third party</source>
        <translation>De inwoner neemt een gemachtigde of een andere derde mee</translation>
    </message>
    <message>
        <source>We record and the citizen may listen back</source>
        <translation>De gemeente neemt op en de inwoner mag terugluisteren</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Anders</translation>
    </message>
    <message>
        <source>Alternatives considered</source>
        <translation>Overwogen alternatieven</translation>
    </message>
    <message>
        <source>Necessity</source>
        <translation>Noodzaak</translation>
    </message>
    <message>
        <source>Consent</source>
        <translation>Toestemming</translation>
    </message>
    <message>
        <source>Contract</source>
        <translation>Overeenkomst</translation>
    </message>
    <message>
        <source>Legal obligation</source>
        <translation>Wettelijke verplichting</translation>
    </message>
    <message>
        <source>Vital interests</source>
        <translation>Vitale belangen</translation>
    </message>
    <message>
        <source>Public task</source>
        <translation>Publieke taak</translation>
    </message>
    <message>
        <source>Kept for %1 days, then destroyed.</source>
        <translation>Wordt %1 dagen bewaard en daarna vernietigd.</translation>
    </message>
</context>
<context>
    <name>RecordingPanel</name>
    <message>
        <source>Recording state</source>
        <translation>Status van de opname</translation>
    </message>
    <message>
        <source>Input level</source>
        <translation>Geluidsniveau</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>Waarschuwingen</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pauzeren</translation>
    </message>
    <message>
        <source>Note for a marker, e.g. consent repeated on tape</source>
        <translation>Notitie bij een markering, bijvoorbeeld: toestemming op de opname herhaald</translation>
    </message>
    <message>
        <source>Marker note</source>
        <translation>Notitie bij de markering</translation>
    </message>
    <message>
        <source>Add marker</source>
        <translation>Markering toevoegen</translation>
    </message>
    <message>
        <source>Stop and seal</source>
        <translation>Stoppen en verzegelen</translation>
    </message>
    <message>
        <source>Markers</source>
        <translation>Markeringen</translation>
    </message>
    <message>
        <source>● RECORDING</source>
        <translation>● OPNAME</translation>
    </message>
    <message>
        <source>‖ PAUSED</source>
        <translation>‖ PAUZE</translation>
    </message>
    <message>
        <source>■ STOPPING…</source>
        <translation>■ STOPPEN…</translation>
    </message>
    <message>
        <source>■ STOPPED, SEALED</source>
        <translation>■ GESTOPT, VERZEGELD</translation>
    </message>
    <message>
        <source>READY</source>
        <translation>GEREED</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Hervatten</translation>
    </message>
    <message>
        <source>Peak %1 dBFS</source>
        <translation>Piek %1 dBFS</translation>
    </message>
</context>
<context>
    <name>RecordingsPanel</name>
    <message>
        <source>Search: name, purpose, date, id</source>
        <translation>Zoeken: naam, doel, datum, nummer</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Zoeken</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Sealed</source>
        <translation>Verzegeld</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>Onderbroken</translation>
    </message>
    <message>
        <source>Edited</source>
        <translation>Bewerkt</translation>
    </message>
    <message>
        <source>Retention ended</source>
        <translation>Bewaartermijn verstreken</translation>
    </message>
    <message>
        <source>Waiting for the archive</source>
        <translation>Wacht op archief</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>Doel</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Deelnemers</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Duur</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Keep until</source>
        <translation>Bewaren tot</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archief</translation>
    </message>
    <message>
        <source>Recordings</source>
        <translation>Opnamen</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Controleren</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Afspelen</translation>
    </message>
    <message>
        <source>Copy for the citizen…</source>
        <translation>Kopie voor de inwoner…</translation>
    </message>
    <message>
        <source>Edited version…</source>
        <translation>Bewerkte versie…</translation>
    </message>
    <message>
        <source>Delete early…</source>
        <translation>Eerder verwijderen…</translation>
    </message>
    <message>
        <source>sealed</source>
        <translation>verzegeld</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>onderbroken</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bewerkt</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Ontvangen</translation>
    </message>
    <message>
        <source>Kept longer</source>
        <translation>Langer bewaard</translation>
    </message>
    <message>
        <source>Keep longer…</source>
        <translation>Langer bewaren…</translation>
    </message>
    <message>
        <source>Normal term again</source>
        <translation>Gewone termijn weer</translation>
    </message>
    <message>
        <source>Destroy expired…</source>
        <translation>Verlopen vernietigen…</translation>
    </message>
    <message>
        <source>received</source>
        <translation>ontvangen</translation>
    </message>
    <message>
        <source>not sealed</source>
        <translation>niet verzegeld</translation>
    </message>
    <message>
        <source>cut after sealing</source>
        <translation>ingekort na verzegelen</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>onleesbaar</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>Select a recording to see its details.</source>
        <translation>Kies een opname om de gegevens te zien.</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>Opname</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Formaat</translation>
    </message>
    <message>
        <source>Audio SHA-256</source>
        <translation>SHA-256 van het geluid</translation>
    </message>
    <message>
        <source>Sealed by key</source>
        <translation>Verzegeld met sleutel</translation>
    </message>
    <message>
        <source>channel(s)</source>
        <translation>kanaal/kanalen</translation>
    </message>
    <message>
        <source>Edited version of %1; cut out: %2</source>
        <translation>Bewerkte versie van %1; weggeknipt: %2</translation>
    </message>
    <message>
        <source>Received from %1; file SHA-256 %2</source>
        <translation>Ontvangen van %1; SHA-256 van het bestand: %2</translation>
    </message>
    <message>
        <source>The archive&apos;s legal hold is on.</source>
        <translation>De bewaarplicht (legal hold) in het archief staat aan.</translation>
    </message>
    <message>
        <source>Archived copy SHA-256</source>
        <translation>SHA-256 van de kopie in het archief</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>Bezig met controleren…</translation>
    </message>
    <message>
        <source>Why keep this recording longer?</source>
        <translation>Waarom moet deze opname langer bewaard worden?</translation>
    </message>
    <message>
        <source>Keep longer</source>
        <translation>Langer bewaren</translation>
    </message>
    <message>
        <source>Destroy expired recordings</source>
        <translation>Verlopen opnamen vernietigen</translation>
    </message>
    <message>
        <source>Destroy %1 recording(s) whose retention term has ended? This cannot be undone.</source>
        <translation>%1 opname(n) vernietigen waarvan de bewaartermijn is verstreken? Dit kan niet ongedaan worden gemaakt.</translation>
    </message>
</context>
<context>
    <name>RefusalDialog</name>
    <message>
        <source>Refuse a recording (rule f)</source>
        <translation>Opname weigeren (spelregel f)</translation>
    </message>
    <message>
        <source>The municipality may refuse a recording only for weighty reasons. Explain them, and offer an alternative. The citizen gets a letter in Dutch and English.</source>
        <translation>De gemeente mag een opname alleen om zwaarwegende redenen weigeren. Leg die redenen uit en bied een alternatief aan. De inwoner krijgt een brief in het Nederlands en het Engels.</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>Inwoner</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>Medewerker</translation>
    </message>
    <message>
        <source>Date of the conversation</source>
        <translation>Datum van het gesprek</translation>
    </message>
    <message>
        <source>Weighty reasons</source>
        <translation>Zwaarwegende redenen</translation>
    </message>
    <message>
        <source>One reason per line</source>
        <translation>Eén reden per regel</translation>
    </message>
    <message>
        <source>Alternative offered</source>
        <translation>Aangeboden alternatief</translation>
    </message>
    <message>
        <source>Note on the alternative</source>
        <translation>Toelichting bij het alternatief</translation>
    </message>
    <message>
        <source>Case number</source>
        <translation>Zaaknummer</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Toelichting</translation>
    </message>
    <message>
        <source>Register and save letter…</source>
        <translation>Registreren en brief opslaan…</translation>
    </message>
    <message>
        <source>Save the letter</source>
        <translation>Brief opslaan</translation>
    </message>
</context>
<context>
    <name>RulesPage</name>
    <message>
        <source>3. The rules: announce, camera, consent</source>
        <translation>3. De spelregels: aankondiging, camera, toestemming</translation>
    </message>
    <message>
        <source>I have read this announcement aloud</source>
        <translation>Ik heb deze aankondiging voorgelezen</translation>
    </message>
    <message>
        <source>Home visit: is there a camera in this room? (rule e)</source>
        <translation>Huisbezoek: is er een camera in deze ruimte? (spelregel e)</translation>
    </message>
    <message>
        <source>No camera</source>
        <translation>Geen camera</translation>
    </message>
    <message>
        <source>A camera is present</source>
        <translation>Er is een camera</translation>
    </message>
    <message>
        <source>The citizen told me about the camera before the conversation</source>
        <translation>De inwoner heeft de camera vóór het gesprek gemeld</translation>
    </message>
    <message>
        <source>We moved to a room without a camera</source>
        <translation>We zijn naar een ruimte zonder camera gegaan</translation>
    </message>
    <message>
        <source>We continue here</source>
        <translation>We gaan hier verder</translation>
    </message>
    <message>
        <source>Consent of each participant</source>
        <translation>Toestemming van elke deelnemer</translation>
    </message>
    <message>
        <source>%1 agrees to the recording</source>
        <translation>%1 geeft toestemming voor de opname</translation>
    </message>
    <message>
        <source>How %1 consented</source>
        <translation>Hoe %1 toestemming gaf</translation>
    </message>
    <message>
        <source>— how? —</source>
        <translation>— hoe? —</translation>
    </message>
    <message>
        <source>Orally</source>
        <translation>Mondeling</translation>
    </message>
    <message>
        <source>In writing</source>
        <translation>Schriftelijk</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Instellingen</translation>
    </message>
    <message>
        <source>Sample format</source>
        <translation>Sampleformaat</translation>
    </message>
    <message>
        <source>16-bit (standard)</source>
        <translation>16 bit (standaard)</translation>
    </message>
    <message>
        <source>24-bit</source>
        <translation>24 bit</translation>
    </message>
    <message>
        <source>Vault location</source>
        <translation>Map van de kluis</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Taal</translation>
    </message>
    <message>
        <source>Active policy</source>
        <translation>Geldend beleid</translation>
    </message>
    <message>
        <source>A new vault location or language takes effect at the next start.</source>
        <translation>Een andere map van de kluis of een andere taal geldt pas na opnieuw starten.</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microfoon</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Luidspreker</translation>
    </message>
    <message>
        <source>Policy file</source>
        <translation>Beleidsbestand</translation>
    </message>
    <message>
        <source>Whose policy</source>
        <translation>Van wie het beleid is</translation>
    </message>
    <message>
        <source>Organisation certificate</source>
        <translation>Certificaat van de organisatie</translation>
    </message>
    <message>
        <source>Active policy (read-only)</source>
        <translation>Geldend beleid (alleen lezen)</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Algemeen</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archief</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Standaardluidspreker van het systeem</translation>
    </message>
    <message>
        <source>%1 (not connected)</source>
        <translation>%1 (niet aangesloten)</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Unlock Gespreksopname</source>
        <translation>Gespreksopname ontgrendelen</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Wachtwoord</translation>
    </message>
    <message>
        <source>Vault</source>
        <translation>Kluis</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Ontgrendelen</translation>
    </message>
</context>
</TS>
