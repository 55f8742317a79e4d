# ruff: noqa: E501 - the cases read best one per line.
"""Speech-ready text in every language Kokoro speaks besides English: written -> spoken.

Each language's cases cover money, times, dates, numbers, units and the forms Home Assistant
writes ("21,5 °C", "15:30", "00:05:00"); the texts after them have nothing to rewrite.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.text.verbalize import verbalize

from .helpers import synthesize_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

#: language -> [(as written, as spoken)]
CASES: dict[str, list[tuple[str, str]]] = {
    "es": [
        ("Cuesta 12,50 €.", "Cuesta doce euros con cincuenta céntimos."),
        ("Son 3 €.", "Son tres euros."),
        ("Pagó 1.250 € ayer.", "Pagó mil doscientos cincuenta euros ayer."),
        ("Vale R$ 12,50.", "Vale doce reales con cincuenta centavos."),
        ("Cuesta $5.", "Cuesta cinco dólares."),
        ("Son 100 USD.", "Son cien dólares."),
        ("Cuesta 21 €.", "Cuesta veintiún euros."),
        ("Paga £3.", "Paga tres libras."),
        ("Son las 15:30.", "Son las quince y treinta."),
        ("Es la 1:05.", "Es la una y cinco."),
        ("A las 15:00.", "A las quince en punto."),
        ("Quedan 00:05:00.", "Quedan cinco minutos."),
        ("Dura 01:30:00.", "Dura una hora y treinta minutos."),
        ("A las 3:30 p. m.", "A las tres y treinta de la tarde."),
        ("A las 9 a. m.", "A las nueve de la mañana."),
        ("El 05/12/2024.", "El cinco de diciembre de dos mil veinticuatro."),
        ("El 2024-12-05.", "El cinco de diciembre de dos mil veinticuatro."),
        ("El 5 de diciembre de 2024.", "El cinco de diciembre de dos mil veinticuatro."),
        ("El 1 de mayo.", "El uno de mayo."),
        (
            "Hay 1.234.567 personas.",
            "Hay un millón doscientos treinta y cuatro mil quinientos sesenta y siete personas.",
        ),
        ("Somos 21 personas.", "Somos veintiuna personas."),
        ("Tengo 2 horas.", "Tengo dos horas."),
        ("Son 21,5 °C.", "Son veintiuno coma cinco grados Celsius."),
        ("Hace -3 °C.", "Hace menos tres grados Celsius."),
        ("Mide 3,5 km.", "Mide tres coma cinco kilómetros."),
        ("Pesa 1 kg.", "Pesa un kilo."),
        ("Corre a 80 km/h.", "Corre a ochenta kilómetros por hora."),
        ("Un 45 %.", "Un cuarenta y cinco por ciento."),
        ("Sube 10-20 %.", "Sube diez a veinte por ciento."),
        ("Espera 3-5 días.", "Espera tres a cinco días."),
        ("Llegó 1.º.", "Llegó primero."),
        ("La 2ª vez.", "La segunda vez."),
        ("El 1er día.", "El primer día."),
        (
            "Llama al +34 612 34 56 78.",
            "Llama al más treinta y cuatro, seis uno dos, treinta y cuatro, cincuenta y seis, setenta y ocho.",
        ),
        (
            "Llama al 612 34 56 78.",
            "Llama al seis uno dos, treinta y cuatro, cincuenta y seis, setenta y ocho.",
        ),
        ("Vale 3,14.", "Vale tres coma catorce."),
        ("Es 0,05.", "Es cero coma cero cinco."),
        ("El Sr. García llegó.", "El señor García llegó."),
        ("Gasta 100 W.", "Gasta cien vatios."),
        ("Tiene 16 GB.", "Tiene dieciséis gigabytes."),
        ("Son 2.5 litros.", "Son dos coma cinco litros."),
    ],
    "fr-fr": [
        ("Ça coûte 12,50 €.", "Ça coûte douze euros cinquante."),
        ("Il fait 21,5 °C.", "Il fait vingt et un virgule cinq degrés Celsius."),
        ("La réunion est à 15h30.", "La réunion est à quinze heures trente."),
        ("Rendez-vous à 15:30.", "Rendez-vous à quinze heures trente."),
        ("À 12h00.", "À midi."),
        ("À 0h00.", "À minuit."),
        ("À 1h05.", "À une heure cinq."),
        ("Il est 9h.", "Il est neuf heures."),
        ("Minuteur 00:05:00.", "Minuteur cinq minutes."),
        ("Le 05/12/2024.", "Le cinq décembre deux mille vingt-quatre."),
        ("Le 2024-12-05.", "Le cinq décembre deux mille vingt-quatre."),
        ("Le 5 décembre 2024.", "Le cinq décembre deux mille vingt-quatre."),
        ("Le 1er décembre.", "Le premier décembre."),
        ("Le 1 mai.", "Le premier mai."),
        ("Au 2e étage.", "Au deuxième étage."),
        ("La 1re fois.", "La première fois."),
        ("Le 3ème jour.", "Le troisième jour."),
        ("Il y a 12 300 personnes.", "Il y a douze mille trois cents personnes."),
        ("Il y a 1.234 euros.", "Il y a mille deux cent trente-quatre euros."),
        ("Il y a 21 personnes.", "Il y a vingt et une personnes."),
        ("Il y a 21 chats.", "Il y a vingt et un chats."),
        ("45 % de remise.", "quarante-cinq pour cent de remise."),
        ("Entre 10 et 20 %.", "Entre dix et vingt pour cent."),
        ("Comptez 3-5 km.", "Comptez trois à cinq kilomètres."),
        ("Il fait -3 °C.", "Il fait moins trois degrés Celsius."),
        ("Prix : 100 $.", "Prix : cent dollars."),
        ("Il a 3 £.", "Il a trois livres."),
        (
            "Appelez le 06 12 34 56 78.",
            "Appelez le zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit.",
        ),
        (
            "Appelez le +33 1 23 45 67 89.",
            "Appelez le plus trente-trois, un, vingt-trois, quarante-cinq, soixante-sept, quatre-vingt-neuf.",
        ),
        ("Pi vaut 3,14.", "Pi vaut trois virgule quatorze."),
        ("Ça pèse 1 kg.", "Ça pèse un kilo."),
        ("Roulez à 80 km/h.", "Roulez à quatre-vingts kilomètres heure."),
        ("Une lampe de 60 W.", "Une lampe de soixante watts."),
        ("Un disque de 2 To.", "Un disque de deux téraoctets."),
        ("M. Dupont arrive.", "Monsieur Dupont arrive."),
        ("Il fait 21.5 °C.", "Il fait vingt et un virgule cinq degrés Celsius."),
        ("Ça dure 2 h.", "Ça dure deux heures."),
        ("Ça coûte 1 000 €.", "Ça coûte mille euros."),
        ("Vitesse de 1,5 km.", "Vitesse de un virgule cinq kilomètres."),
        ("Il reste 0,5 l.", "Il reste zéro virgule cinq litres."),
    ],
    "it": [
        ("Costa 12,50 €.", "Costa dodici euro e cinquanta."),
        ("Costa 1.250 €.", "Costa milleduecentocinquanta euro."),
        ("Sono le 15:30.", "Sono le quindici e trenta."),
        ("Alle 15:00.", "Alle quindici."),
        ("Alle 12:00.", "Alle dodici."),
        ("All'1:05.", "All'una e cinque."),
        ("Timer 00:05:00.", "Timer cinque minuti."),
        ("Il 05/12/2024.", "Il cinque dicembre duemilaventiquattro."),
        ("Il 2024-12-05.", "Il cinque dicembre duemilaventiquattro."),
        ("Il 5 dicembre 2024.", "Il cinque dicembre duemilaventiquattro."),
        ("Il 1° dicembre.", "Il primo dicembre."),
        ("Il 1 maggio.", "Il primo maggio."),
        ("Il 3° posto.", "Il terzo posto."),
        ("La 2ª volta.", "La seconda volta."),
        ("Il 1º classificato.", "Il primo classificato."),
        ("Ci sono 21,5 °C.", "Ci sono ventuno virgola cinque gradi Celsius."),
        ("Ci sono 21° oggi.", "Ci sono ventuno gradi oggi."),
        ("Fa -3 °C.", "Fa meno tre gradi Celsius."),
        ("Il 45 %.", "Il quarantacinque per cento."),
        ("Servono 3-5 giorni.", "Servono tre a cinque giorni."),
        (
            "Sono 1.234.567 persone.",
            "Sono un milione e duecentotrentaquattromilacinquecentosessantasette persone.",
        ),
        ("Sono 21 persone.", "Sono ventuno persone."),
        ("Pesa 1 kg.", "Pesa un chilo."),
        ("Pesa 2 kg.", "Pesa due chili."),
        ("Va a 80 km/h.", "Va a ottanta chilometri orari."),
        ("Costa $5.", "Costa cinque dollari."),
        ("Costa 100 USD.", "Costa cento dollari."),
        ("Costa £3.", "Costa tre sterline."),
        (
            "Chiama il 333 123 4567.",
            "Chiama il tre tre tre, uno due tre, quattro cinque sei sette.",
        ),
        (
            "Chiama il +39 333 123 4567.",
            "Chiama il più trentanove, tre tre tre, uno due tre, quattro cinque sei sette.",
        ),
        ("Pi vale 3,14.", "Pi vale tre virgola quattordici."),
        ("Sono 0,05.", "Sono zero virgola zero cinque."),
        ("Il Sig. Rossi arriva.", "Il signor Rossi arriva."),
        ("Una lampada da 60 W.", "Una lampada da sessanta watt."),
        ("Ha 16 GB.", "Ha sedici gigabyte."),
        ("Misura 3,5 km.", "Misura tre virgola cinque chilometri."),
        ("Ci sono 21.5 °C.", "Ci sono ventuno virgola cinque gradi Celsius."),
        ("Dura 2 h.", "Dura due ore."),
        ("Ho 1 euro.", "Ho un euro."),
        ("Costa 1 €.", "Costa un euro."),
    ],
    "pt-br": [
        ("São 15h30.", "São quinze e trinta."),
        ("Custa R$ 12,50.", "Custa doze reais e cinquenta centavos."),
        ("Custa R$ 1.250,00.", "Custa mil duzentos e cinquenta reais."),
        ("Custa R$ 1,00.", "Custa um real."),
        ("Custa R$ 0,50.", "Custa cinquenta centavos."),
        ("Às 15:30.", "Às quinze e trinta."),
        ("Às 15h.", "Às quinze horas."),
        ("À 1h.", "À uma hora."),
        ("Às 2h15.", "Às duas e quinze."),
        ("Timer 00:05:00.", "Timer cinco minutos."),
        ("Em 05/12/2024.", "Em cinco de dezembro de dois mil e vinte e quatro."),
        ("Em 2024-12-05.", "Em cinco de dezembro de dois mil e vinte e quatro."),
        ("Em 5 de dezembro de 2024.", "Em cinco de dezembro de dois mil e vinte e quatro."),
        ("Em 1º de janeiro.", "Em primeiro de janeiro."),
        ("Em 1 de maio.", "Em primeiro de maio."),
        ("A 2ª vez.", "A segunda vez."),
        ("O 3º lugar.", "O terceiro lugar."),
        ("Faz 21,5 °C.", "Faz vinte e um vírgula cinco graus Celsius."),
        ("Faz -3 °C.", "Faz menos três graus Celsius."),
        ("Uns 45 %.", "Uns quarenta e cinco por cento."),
        ("Faltam 3-5 dias.", "Faltam três a cinco dias."),
        (
            "São 1.234.567 pessoas.",
            "São um milhão duzentos e trinta e quatro mil quinhentos e sessenta e sete pessoas.",
        ),
        ("São 21 pessoas.", "São vinte e uma pessoas."),
        ("Faltam 2 horas.", "Faltam duas horas."),
        ("Falta 1 hora.", "Falta uma hora."),
        ("São 2 carros.", "São dois carros."),
        ("Pesa 1 kg.", "Pesa um quilo."),
        ("Anda a 80 km/h.", "Anda a oitenta quilômetros por hora."),
        ("Custa $5.", "Custa cinco dólares."),
        ("Custa 100 USD.", "Custa cem dólares."),
        ("Custa € 3.", "Custa três euros."),
        ("Ligue (11) 98765-4321.", "Ligue onze, nove oito sete seis cinco, quatro três dois um."),
        (
            "Ligue +55 11 98765-4321.",
            "Ligue mais cinquenta e cinco, onze, nove oito sete seis cinco, quatro três dois um.",
        ),
        ("Pi vale 3,14.", "Pi vale três vírgula catorze."),
        ("São 0,05.", "São zero vírgula zero cinco."),
        ("O Sr. Silva chegou.", "O senhor Silva chegou."),
        ("Uma lâmpada de 60 W.", "Uma lâmpada de sessenta watts."),
        ("Tem 16 GB.", "Tem dezesseis gigabytes."),
        ("Mede 3,5 km.", "Mede três vírgula cinco quilômetros."),
        ("Faz 21.5 °C.", "Faz vinte e um vírgula cinco graus Celsius."),
        ("Custa 200 reais.", "Custa duzentos reais."),
    ],
    "hi": [
        ("कीमत ₹1,250.50 है।", "कीमत एक हज़ार दो सौ पचास रुपये पचास पैसे है।"),
        ("कीमत ₹500 है।", "कीमत पाँच सौ रुपये है।"),
        ("कीमत Rs. 20 है।", "कीमत बीस रुपये है।"),
        ("कीमत ₹1 है।", "कीमत एक रुपया है।"),
        ("कीमत $5 है।", "कीमत पाँच डॉलर है।"),
        ("कीमत 100 USD है।", "कीमत एक सौ डॉलर है।"),
        ("कीमत €3 है।", "कीमत तीन यूरो है।"),
        ("मीटिंग 3:30 बजे है।", "मीटिंग साढ़े तीन बजे है।"),
        ("मीटिंग 3:20 पर है।", "मीटिंग तीन बजकर बीस मिनट पर है।"),
        ("अलार्म 6:45 बजे है।", "अलार्म पौने सात बजे है।"),
        ("मीटिंग 15:00 बजे है।", "मीटिंग पंद्रह बजे है।"),
        ("टाइमर 00:05:00 का है।", "टाइमर पाँच मिनट का है।"),
        ("टाइमर 01:30:00 का है।", "टाइमर एक घंटा तीस मिनट का है।"),
        ("तारीख 05/12/2024 है।", "तारीख पाँच दिसंबर दो हज़ार चौबीस है।"),
        ("तारीख 2024-12-05 है।", "तारीख पाँच दिसंबर दो हज़ार चौबीस है।"),
        ("5 दिसंबर 2024 को।", "पाँच दिसंबर दो हज़ार चौबीस को।"),
        ("1984 में।", "उन्नीस सौ चौरासी में।"),
        ("सन 1947 में।", "सन उन्नीस सौ सैंतालीस में।"),
        ("उसका 5वाँ जन्मदिन।", "उसका पाँचवाँ जन्मदिन।"),
        ("पहली बार 1ली।", "पहली बार पहली।"),
        ("उसकी 2री बेटी।", "उसकी दूसरी बेटी।"),
        ("3रा दिन।", "तीसरा दिन।"),
        ("तापमान 21.5 °C है।", "तापमान इक्कीस दशमलव पाँच डिग्री सेल्सियस है।"),
        ("तापमान -3 °C है।", "तापमान माइनस तीन डिग्री सेल्सियस है।"),
        ("नमी 45% है।", "नमी पैंतालीस प्रतिशत है।"),
        ("नमी 40-50% है।", "नमी चालीस से पचास प्रतिशत है।"),
        ("3-5 दिन लगेंगे।", "तीन से पाँच दिन लगेंगे।"),
        ("1,00,000 लोग।", "एक लाख लोग।"),
        ("100,000 लोग।", "एक लाख लोग।"),
        ("12,34,567 लोग।", "बारह लाख चौंतीस हज़ार पाँच सौ सड़सठ लोग।"),
        ("३ किताबें।", "तीन किताबें।"),
        ("२०२४ में।", "दो हज़ार चौबीस में।"),
        ("दूरी 3.5 km है।", "दूरी तीन दशमलव पाँच किलोमीटर है।"),
        ("वज़न 2 kg है।", "वज़न दो किलो है।"),
        ("गति 80 km/h है।", "गति अस्सी किलोमीटर प्रति घंटा है।"),
        ("कॉल करें +91 98765 43210।", "कॉल करें प्लस इक्यानबे, नौ आठ सात छह पाँच, चार तीन दो एक शून्य।"),
        ("कॉल करें 98765 43210।", "कॉल करें नौ आठ सात छह पाँच, चार तीन दो एक शून्य।"),
        ("पाई 3.14 है।", "पाई तीन दशमलव एक चार है।"),
        ("0.5 लीटर।", "शून्य दशमलव पाँच लीटर।"),
        ("60 W का बल्ब।", "साठ वाट का बल्ब।"),
        ("16 GB मेमोरी।", "सोलह गीगाबाइट मेमोरी।"),
        ("21 लोग।", "इक्कीस लोग।"),
    ],
    "ja": [
        ("気温は21.5°Cです。", "気温は二十一点五度です。"),
        ("気温は21.5 ℃です。", "気温は二十一点五度です。"),
        ("気温は-3°Cです。", "気温はマイナス三度です。"),
        ("今日は70°Fです。", "今日は華氏七十度です。"),
        ("会議は15:30です。", "会議は十五時三十分です。"),
        ("会議は9:05です。", "会議は九時五ふんです。"),
        ("会議は15:00です。", "会議は十五時です。"),
        ("タイマーは00:05:00です。", "タイマーは五分間です。"),
        ("タイマーは01:30:00です。", "タイマーは一時間三十分です。"),
        ("午後は3:30 PMです。", "午後は午後三時三十分です。"),
        ("朝は7 AMです。", "朝は午前七時です。"),
        ("日付は2024/12/05です。", "日付は二千二十四年十二月五日です。"),
        ("日付は2024-12-05です。", "日付は二千二十四年十二月五日です。"),
        ("価格は¥1,200です。", "価格は千二百円です。"),
        ("価格は￥500です。", "価格は五百円です。"),
        ("価格は$12.50です。", "価格は十二ドル五十セントです。"),
        ("価格は$5です。", "価格は五ドルです。"),
        ("価格は€5です。", "価格は五ユーロです。"),
        ("価格は100 USDです。", "価格は百ドルです。"),
        ("価格は£3です。", "価格は三ポンドです。"),
        (
            "電話は090-1234-5678です。",
            "電話はゼロキューゼロのイチニーサンヨンのゴーロクナナハチです。",
        ),
        ("電話は03-1234-5678です。", "電話はゼロサンのイチニーサンヨンのゴーロクナナハチです。"),
        (
            "電話は+81 90-1234-5678です。",
            "電話はプラス八十一のキューゼロのイチニーサンヨンのゴーロクナナハチです。",
        ),
        ("3〜5日かかります。", "三から五日かかります。"),
        ("3-5kmです。", "三から五キロメートルです。"),
        ("3~5個です。", "三から五個です。"),
        ("1/2カップです。", "二分の一カップです。"),
        ("3/4です。", "四分の三です。"),
        ("速度は50km/hです。", "速度は時速五十キロです。"),
        ("温度は-5度です。", "温度はマイナス五度です。"),
        ("１５：３０です。", "十五時三十分です。"),
        ("２０２４/１２/５です。", "二千二十四年十二月五日です。"),
        ("2024/1/5です。", "二千二十四年一月五日です。"),
        ("0:00です。", "零時です。"),
        ("23:59です。", "二十三時五十九分です。"),
        ("12:00です。", "十二時です。"),
        ("100 EURです。", "百ユーロです。"),
        ("5 JPYです。", "五円です。"),
        ("25°です。", "二十五度です。"),
        ("−3°Cです。", "マイナス三度です。"),
    ],
    "cmn": [
        ("现在是下午3点30分。", "现在是下午三点三十分。"),
        ("价格是12.50元。", "价格是十二元五角。"),
        ("价格是12.05元。", "价格是十二元零五分。"),
        ("价格是12元。", "价格是十二元。"),
        ("价格是0.50元。", "价格是五角。"),
        ("价格是¥12.50。", "价格是十二元五角。"),
        ("价格是￥20。", "价格是二十元。"),
        ("价格是$5。", "价格是五美元。"),
        ("价格是€3。", "价格是三欧元。"),
        ("价格是100美元。", "价格是一百美元。"),
        ("价格是100 USD。", "价格是一百美元。"),
        ("温度21.5°C。", "温度二十一点五摄氏度。"),
        ("温度21.5℃。", "温度二十一点五摄氏度。"),
        ("温度-5℃。", "温度零下五摄氏度。"),
        ("湿度45%。", "湿度百分之四十五。"),
        ("湿度40-50%。", "湿度百分之四十到百分之五十。"),
        ("会议在15:30。", "会议在十五点三十分。"),
        ("会议在15:05。", "会议在十五点零五分。"),
        ("会议在15:00。", "会议在十五点。"),
        ("计时器00:05:00。", "计时器五分钟。"),
        ("计时器01:30:00。", "计时器一小时三十分钟。"),
        ("日期2024年12月5日。", "日期二零二四年十二月五日。"),
        ("日期2024-12-05。", "日期二零二四年十二月五日。"),
        ("日期2024/12/5。", "日期二零二四年十二月五日。"),
        ("电话13812345678。", "电话幺三八，幺二三四，五六七八。"),
        ("电话138-1234-5678。", "电话幺三八，幺二三四，五六七八。"),
        ("座机010-12345678。", "座机零幺零，幺二三四五六七八。"),
        ("第3名。", "第三名。"),
        ("2个人。", "两个人。"),
        ("2点。", "两点。"),
        ("20个人。", "二十个人。"),
        ("3-5公里。", "三到五公里。"),
        ("3~5天。", "三到五天。"),
        ("5km。", "五公里。"),
        ("80km/h。", "八十公里每小时。"),
        ("1,234人。", "一千二百三十四人。"),
        ("2000人。", "两千人。"),
        ("3.14。", "三点一四。"),
        ("-3。", "负三。"),
        ("３点０５分。", "三点零五分。"),
        ("2本书。", "两本书。"),
    ],
}

#: language -> texts with nothing to rewrite
UNCHANGED: dict[str, list[str]] = {
    "es": [
        "Hola, ¿cómo estás?",
        "¡Claro que sí!",
        "El perro come en la cocina.",
        "Escucha el MP3 ahora.",
        "La COVID-19 pasó.",
        "Usa Python y Rust.",
        "Mañana lloverá.",
    ],
    "fr-fr": [
        "Bonjour ! Ça va ?",
        "J'ai allumé les lumières de la cuisine.",
        "Écoutez le MP3 maintenant.",
        "Le COVID-19 est passé.",
        "Il pleuvra demain : prenez un parapluie.",
        "C'est déjà fait.",
    ],
    "it": [
        "Ciao, come stai?",
        "Ho acceso le luci della cucina.",
        "Ascolta l'MP3 adesso.",
        "Domani pioverà.",
        "Perché no?",
        "È già fatto.",
    ],
    "pt-br": [
        "Olá, tudo bem?",
        "Acendi as luzes da cozinha.",
        "Ouça o MP3 agora.",
        "Amanhã vai chover.",
        "Já está feito.",
        "Não, obrigado.",
    ],
    "hi": [
        "नमस्ते, आप कैसे हैं?",
        "मैंने रसोई की बत्तियाँ जला दी हैं।",
        "कल बारिश होगी।",
        "ठीक है।",
        "MP3 सुनिए।",
    ],
    "ja": [
        "こんにちは、今日はいい天気ですね。",
        "電気をつけました。",
        "明日は雨です！",
        "三時半に会いましょう。",
        "二つ目の部屋です。",
    ],
    "cmn": [
        "你好，今天天气很好。",
        "我已经打开了厨房的灯。",
        "明天会下雨！",
        "三点半见。",
        "没问题。",
    ],
}

CASE_PARAMS = [(lang, w, s) for lang, cases in CASES.items() for w, s in cases]
UNCHANGED_PARAMS = [(lang, text) for lang, texts in UNCHANGED.items() for text in texts]


@pytest.mark.parametrize("language", list(CASES))
def test_every_language_has_forty_cases(language: str) -> None:
    assert len(CASES[language]) >= 40
    assert all(written != spoken for written, spoken in CASES[language])


@pytest.mark.parametrize(("language", "written", "spoken"), CASE_PARAMS)
def test_written_forms_are_spoken(language: str, written: str, spoken: str) -> None:
    assert verbalize(written, language) == spoken


@pytest.mark.parametrize(("language", "text"), UNCHANGED_PARAMS)
def test_text_with_nothing_to_verbalize_is_unchanged(language: str, text: str) -> None:
    assert verbalize(text, language) == text


FUZZ_PIECES = [
    "12", "0", "00", "1,5", "1.234", "21,5", "3.14", "-", "−", "€", "$", "R$", "£", "¥", "￥",
    "₹", "元", "%", " ", "°C", "°", "℃", "°F", "km", "km/h", "h", "30", ":", "/", ".", ",",
    "2024", "05", "(", ")", "+", "+33", "ª", "º", "er", "ème", "वाँ", "रा", "बजे", "年", "月",
    "日", "点", "分", "个", "第", "１", "：", "〜", "–", "p. m.", "PM", "de", "diciembre",
    "décembre", "दिसंबर", "में", "USD", "INR", "Rs.", "Sr.", "M.", "×", "1er", "9" * 30, "\n",
    "。", "、", "？", "1/2", "½",
]  # fmt: skip


@pytest.mark.parametrize("language", [*CASES, "en-us", "en-gb"])
def test_any_mix_of_forms_is_rewritten_without_error(language: str) -> None:
    """Odd mixes of signs, digits and words (huge numbers, glued forms) never raise, and every
    letter of the text survives (nothing is dropped)."""
    rng = random.Random(language)
    for _ in range(3000):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 12)))
        spoken = verbalize(text, language)
        assert isinstance(spoken, str)
        if any(ch.isalpha() for ch in text) and language not in ("ja", "cmn"):
            assert any(ch.isalpha() for ch in spoken), text


async def test_engine_speaks_japanese_clock_times_as_words(engine: Engine) -> None:
    """Through the real model and a multilingual Whisper: "15:30" is heard as 15時30分 (read
    "jūgo-ji sanjuppun"), not as two numbers around a colon."""
    from asr_languages import normalize, transcribe

    params = engine.speech_params(voice="jf_alpha", language="ja")
    pcm = await synthesize_text(engine, "会議は15:30からです。", params)
    heard = normalize(transcribe(pcm, "ja"), "ja")
    assert "ジューゴジ" in heard, heard
