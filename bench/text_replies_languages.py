# ruff: noqa: RUF001, E501 - typographic signs and full-width forms are the point; one reply a line.
"""Assistant replies with numbers in every language Kokoro speaks besides English, each with the
way a native speaker reads it aloud (written by hand, not by the verbalizer).

Shared by ``text_bench.py`` and ``text_wer.py`` (``--language``); English is ``text_replies.py``.
"""

from __future__ import annotations

from text_replies import REPLIES

#: language -> [(as an assistant writes it, as a person says it)]
REPLIES_BY_LANGUAGE: dict[str, list[tuple[str, str]]] = {
    "en-us": REPLIES,
    "es": [
        (
            "La temperatura en el salón es de 21,5 °C.",
            "La temperatura en el salón es de veintiuno coma cinco grados Celsius.",
        ),
        (
            "Tu pedido cuesta 12,50 € y llegará el 5 de diciembre.",
            "Tu pedido cuesta doce euros con cincuenta céntimos y llegará el cinco de diciembre.",
        ),
        (
            "La reunión es a las 15:30 en la sala 221.",
            "La reunión es a las quince treinta en la sala doscientos veintiuno.",
        ),
        (
            "El temporizador está puesto en 00:05:00.",
            "El temporizador está puesto en cinco minutos.",
        ),
        (
            "La humedad es del 45 % y el viento sopla a 20 km/h.",
            "La humedad es del cuarenta y cinco por ciento y el viento sopla a veinte kilómetros por hora.",
        ),
        ("Hoy es el 05/12/2024.", "Hoy es el cinco de diciembre de dos mil veinticuatro."),
        (
            "Llama al 612 34 56 78 si necesitas ayuda.",
            "Llama al seis uno dos, treinta y cuatro, cincuenta y seis, setenta y ocho si necesitas ayuda.",
        ),
        (
            "La casa tiene 3 habitaciones y 120 m².",
            "La casa tiene tres habitaciones y ciento veinte metros cuadrados.",
        ),
        ("Quedan 2 horas y 15 minutos de viaje.", "Quedan dos horas y quince minutos de viaje."),
        (
            "El precio subió un 3,2 % este año.",
            "El precio subió un tres coma dos por ciento este año.",
        ),
        ("Mañana habrá entre 8 y 14 °C.", "Mañana habrá entre ocho y catorce grados Celsius."),
        ("La batería está al 80 %.", "La batería está al ochenta por ciento."),
        (
            "Añade 250 g de harina y 2 huevos.",
            "Añade doscientos cincuenta gramos de harina y dos huevos.",
        ),
        ("Fuera hace -3 °C, abrígate.", "Fuera hace menos tres grados Celsius, abrígate."),
        (
            "El vuelo sale a las 7:45 y cuesta 1.250 €.",
            "El vuelo sale a las siete cuarenta y cinco y cuesta mil doscientos cincuenta euros.",
        ),
    ],
    "fr-fr": [
        (
            "Il fait 21,5 °C dans le salon.",
            "Il fait vingt et un virgule cinq degrés Celsius dans le salon.",
        ),
        (
            "Votre commande coûte 12,50 € et arrivera le 5 décembre.",
            "Votre commande coûte douze euros cinquante et arrivera le cinq décembre.",
        ),
        (
            "La réunion est à 15h30 dans la salle 221.",
            "La réunion est à quinze heures trente dans la salle deux cent vingt et un.",
        ),
        ("Le minuteur est réglé sur 00:05:00.", "Le minuteur est réglé sur cinq minutes."),
        (
            "L'humidité est de 45 % et le vent souffle à 20 km/h.",
            "L'humidité est de quarante-cinq pour cent et le vent souffle à vingt kilomètres heure.",
        ),
        ("Nous sommes le 05/12/2024.", "Nous sommes le cinq décembre deux mille vingt-quatre."),
        (
            "Appelez le 06 12 34 56 78 en cas de besoin.",
            "Appelez le zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit en cas de besoin.",
        ),
        (
            "L'appartement fait 65 m² et compte 3 pièces.",
            "L'appartement fait soixante-cinq mètres carrés et compte trois pièces.",
        ),
        ("Il reste 2 heures de trajet.", "Il reste deux heures de trajet."),
        (
            "Les prix ont augmenté de 3,2 % cette année.",
            "Les prix ont augmenté de trois virgule deux pour cent cette année.",
        ),
        ("Le 1er janvier, le magasin est fermé.", "Le premier janvier, le magasin est fermé."),
        ("La batterie est à 80 %.", "La batterie est à quatre-vingts pour cent."),
        (
            "Ajoutez 250 g de farine et 2 œufs.",
            "Ajoutez deux cent cinquante grammes de farine et deux œufs.",
        ),
        ("Dehors, il fait -3 °C.", "Dehors, il fait moins trois degrés Celsius."),
        (
            "Le vol part à 7h45 et coûte 1 250 €.",
            "Le vol part à sept heures quarante-cinq et coûte mille deux cent cinquante euros.",
        ),
    ],
    "it": [
        (
            "In soggiorno ci sono 21,5 °C.",
            "In soggiorno ci sono ventuno virgola cinque gradi Celsius.",
        ),
        (
            "Il tuo ordine costa 12,50 € e arriverà il 5 dicembre.",
            "Il tuo ordine costa dodici euro e cinquanta e arriverà il cinque dicembre.",
        ),
        (
            "La riunione è alle 15:30 nella sala 221.",
            "La riunione è alle quindici e trenta nella sala duecentoventuno.",
        ),
        ("Il timer è impostato su 00:05:00.", "Il timer è impostato su cinque minuti."),
        (
            "L'umidità è al 45 % e il vento soffia a 20 km/h.",
            "L'umidità è al quarantacinque per cento e il vento soffia a venti chilometri orari.",
        ),
        ("Oggi è il 05/12/2024.", "Oggi è il cinque dicembre duemilaventiquattro."),
        (
            "Chiama il 333 123 4567 se hai bisogno.",
            "Chiama il tre tre tre, uno due tre, quattro cinque sei sette se hai bisogno.",
        ),
        ("La casa ha 3 camere e 120 m².", "La casa ha tre camere e centoventi metri quadrati."),
        ("Mancano 2 ore di viaggio.", "Mancano due ore di viaggio."),
        (
            "I prezzi sono saliti del 3,2 % quest'anno.",
            "I prezzi sono saliti del tre virgola due per cento quest'anno.",
        ),
        ("Il 1° gennaio il negozio è chiuso.", "Il primo gennaio il negozio è chiuso."),
        ("La batteria è all'80 %.", "La batteria è all'ottanta per cento."),
        (
            "Aggiungi 250 g di farina e 2 uova.",
            "Aggiungi duecentocinquanta grammi di farina e due uova.",
        ),
        ("Fuori ci sono -3 °C.", "Fuori ci sono meno tre gradi Celsius."),
        (
            "Il volo parte alle 7:45 e costa 1.250 €.",
            "Il volo parte alle sette e quarantacinque e costa milleduecentocinquanta euro.",
        ),
    ],
    "pt-br": [
        (
            "A temperatura na sala é de 21,5 °C.",
            "A temperatura na sala é de vinte e um vírgula cinco graus Celsius.",
        ),
        (
            "Seu pedido custa R$ 12,50 e chega em 5 de dezembro.",
            "Seu pedido custa doze reais e cinquenta centavos e chega em cinco de dezembro.",
        ),
        (
            "A reunião é às 15h30 na sala 221.",
            "A reunião é às quinze e trinta na sala duzentos e vinte e um.",
        ),
        ("O timer está em 00:05:00.", "O timer está em cinco minutos."),
        (
            "A umidade está em 45 % e o vento sopra a 20 km/h.",
            "A umidade está em quarenta e cinco por cento e o vento sopra a vinte quilômetros por hora.",
        ),
        ("Hoje é 05/12/2024.", "Hoje é cinco de dezembro de dois mil e vinte e quatro."),
        (
            "Ligue para (11) 98765-4321 se precisar.",
            "Ligue para onze, nove oito sete seis cinco, quatro três dois um se precisar.",
        ),
        (
            "A casa tem 3 quartos e 120 m².",
            "A casa tem três quartos e cento e vinte metros quadrados.",
        ),
        ("Faltam 2 horas de viagem.", "Faltam duas horas de viagem."),
        (
            "Os preços subiram 3,2 % este ano.",
            "Os preços subiram três vírgula dois por cento este ano.",
        ),
        ("Em 1º de janeiro a loja fica fechada.", "Em primeiro de janeiro a loja fica fechada."),
        ("A bateria está em 80 %.", "A bateria está em oitenta por cento."),
        (
            "Adicione 250 g de farinha e 2 ovos.",
            "Adicione duzentos e cinquenta gramas de farinha e dois ovos.",
        ),
        ("Lá fora faz -3 °C.", "Lá fora faz menos três graus Celsius."),
        (
            "O voo sai às 7h45 e custa R$ 1.250,00.",
            "O voo sai às sete e quarenta e cinco e custa mil duzentos e cinquenta reais.",
        ),
    ],
    "hi": [
        ("बैठक कक्ष का तापमान 21.5 °C है।", "बैठक कक्ष का तापमान इक्कीस दशमलव पाँच डिग्री सेल्सियस है।"),
        ("आपके ऑर्डर की कीमत ₹1,250 है।", "आपके ऑर्डर की कीमत एक हज़ार दो सौ पचास रुपये है।"),
        ("मीटिंग 3:30 बजे है।", "मीटिंग साढ़े तीन बजे है।"),
        ("टाइमर 00:05:00 का है।", "टाइमर पाँच मिनट का है।"),
        (
            "नमी 45% है और हवा 20 km/h से चल रही है।",
            "नमी पैंतालीस प्रतिशत है और हवा बीस किलोमीटर प्रति घंटा से चल रही है।",
        ),
        ("आज 05/12/2024 है।", "आज पाँच दिसंबर दो हज़ार चौबीस है।"),
        (
            "मदद के लिए 98765 43210 पर कॉल करें।",
            "मदद के लिए नौ आठ सात छह पाँच, चार तीन दो एक शून्य पर कॉल करें।",
        ),
        ("घर में 3 कमरे हैं।", "घर में तीन कमरे हैं।"),
        ("यात्रा में 2 घंटे बाकी हैं।", "यात्रा में दो घंटे बाकी हैं।"),
        ("इस साल कीमतें 3.2% बढ़ीं।", "इस साल कीमतें तीन दशमलव दो प्रतिशत बढ़ीं।"),
        ("बैटरी 80% चार्ज है।", "बैटरी अस्सी प्रतिशत चार्ज है।"),
        ("250 g आटा और 2 अंडे डालें।", "दो सौ पचास ग्राम आटा और दो अंडे डालें।"),
        ("बाहर -3 °C है।", "बाहर माइनस तीन डिग्री सेल्सियस है।"),
        ("यह उसका 5वाँ जन्मदिन है।", "यह उसका पाँचवाँ जन्मदिन है।"),
        ("1,00,000 लोग आए।", "एक लाख लोग आए।"),
    ],
    "ja": [
        ("居間の気温は21.5°Cです。", "居間の気温は二十一点五度です。"),
        ("ご注文の合計は¥1,200です。", "ご注文の合計は千二百円です。"),
        ("会議は15:30からです。", "会議は十五時三十分からです。"),
        ("タイマーは00:05:00に設定しました。", "タイマーは五分に設定しました。"),
        ("風は20km/hです。", "風は時速二十キロです。"),
        ("今日は2024/12/05です。", "今日は二千二十四年十二月五日です。"),
        (
            "お問い合わせは090-1234-5678まで。",
            "お問い合わせはゼロキューゼロのイチニーサンヨンのゴーロクナナハチまで。",
        ),
        ("外は-3°Cです。", "外はマイナス三度です。"),
        ("価格は$12.50です。", "価格は十二ドル五十セントです。"),
        ("3〜5日かかります。", "三から五日かかります。"),
        ("小さじ1/2の塩を加えます。", "小さじ二分の一の塩を加えます。"),
        ("バッテリーは80%です。", "バッテリーは八十パーセントです。"),
        ("アラームは7:05にセットしました。", "アラームは七時五分にセットしました。"),
        ("価格は€5です。", "価格は五ユーロです。"),
        ("会議は3:30 PMです。", "会議は午後三時三十分です。"),
    ],
    "cmn": [
        ("客厅温度是21.5°C。", "客厅温度是二十一点五摄氏度。"),
        ("您的订单总价是12.50元。", "您的订单总价是十二元五角。"),
        ("会议在15:30开始。", "会议在十五点三十分开始。"),
        ("计时器设为00:05:00。", "计时器设为五分钟。"),
        ("湿度是45%，风速是20km/h。", "湿度是百分之四十五，风速是二十公里每小时。"),
        ("今天是2024年12月5日。", "今天是二零二四年十二月五日。"),
        ("请拨打13812345678联系我们。", "请拨打幺三八幺二三四五六七八联系我们。"),
        ("房子有3个房间。", "房子有三个房间。"),
        ("还有2个小时的路程。", "还有两个小时的路程。"),
        ("今年价格上涨了3.2%。", "今年价格上涨了百分之三点二。"),
        ("电池电量是80%。", "电池电量是百分之八十。"),
        ("加入250克面粉和2个鸡蛋。", "加入二百五十克面粉和两个鸡蛋。"),
        ("外面是-3℃。", "外面是零下三摄氏度。"),
        ("价格是¥99。", "价格是九十九元。"),
        ("他得了第1名。", "他得了第一名。"),
    ],
}
REPLIES_BY_LANGUAGE["en-gb"] = REPLIES

#: Each language's native voice, for the round trip through Whisper.
NATIVE_VOICES = {
    "en-us": "af_heart",
    "en-gb": "af_heart",
    "es": "ef_dora",
    "fr-fr": "ff_siwis",
    "it": "if_sara",
    "pt-br": "pf_dora",
    "hi": "hf_alpha",
    "ja": "jf_alpha",
    "cmn": "zf_xiaobei",
}

#: A segment of the segmenter's maximum length made of nothing but forms to rewrite: the worst
#: case per segment for ``text_bench.py``.
DENSE_BY_LANGUAGE = {
    "es": (
        "12,50 €, 15:30, 05/12/2024, 21,5 °C, 45 %, 3-5 km, 1.234.567, R$ 12,50, 00:05:00, "
        "el 1.º, la 2ª, +34 612 34 56 78, 3:30 p. m., 80 km/h, -3 °C, 2024-12-05, 250 g, "
        "100 USD, 3,14, 1 de mayo, Sr. García, 120 m², 60 W, 16 GB, 21 personas, 7:45, 8 %"
    ),
    "fr-fr": (
        "12,50 €, 15h30, 05/12/2024, 21,5 °C, 45 %, 3-5 km, 12 300, 1er décembre, 00:05:00, "
        "2e étage, 06 12 34 56 78, +33 1 23 45 67 89, 80 km/h, -3 °C, 2024-12-05, 250 g, "
        "100 $, 3,14, 1 mai, M. Dupont, 65 m², 60 W, 2 To, 21 personnes, 7h45, 12h00, 8 %"
    ),
    "it": (
        "12,50 €, 15:30, 05/12/2024, 21,5 °C, 45 %, 3-5 km, 1.234.567, il 1° dicembre, "
        "00:05:00, il 3° posto, la 2ª, 333 123 4567, +39 333 123 4567, 80 km/h, -3 °C, "
        "2024-12-05, 250 g, 100 USD, 3,14, Sig. Rossi, 120 m², 60 W, 16 GB, 21 persone, 7:45"
    ),
    "pt-br": (
        "R$ 12,50, 15h30, 05/12/2024, 21,5 °C, 45 %, 3-5 km, 1.234.567, 1º de janeiro, "
        "00:05:00, a 2ª, (11) 98765-4321, +55 11 98765-4321, 80 km/h, -3 °C, 2024-12-05, "
        "250 g, 100 USD, 3,14, Sr. Silva, 120 m², 60 W, 16 GB, 2 horas, 7h45, R$ 1.250,00"
    ),
    "hi": (
        "₹1,250.50, 3:30 बजे, 05/12/2024, 21.5 °C, 45%, 3-5 km, 1,00,000, 5वाँ, 00:05:00, "
        "+91 98765 43210, 98765 43210, 80 km/h, -3 °C, 2024-12-05, 250 g, $5, 3.14, "
        "5 दिसंबर 2024, 1984 में, 60 W, 16 GB, ३ किताबें, 15:40, 40-50%, Rs. 20, 3.2%"
    ),
    "ja": (
        "21.5°C、15:30、00:05:00、2024/12/05、¥1,200、$12.50、€5、090-1234-5678、3〜5日、"
        "1/2カップ、-3°C、70°F、50km/h、3:30 PM、7 AM、2024-12-05、100 USD、01:30:00、"
        "１５：３０、+81 90-1234-5678、3-5km、23:59、25°、−3°C、5 JPY、3/4、0:00、12:00"
    ),
    "cmn": (
        "12.50元，21.5°C，15:30，00:05:00，2024-12-05，2024年12月5日，¥12.50，$5，45%，"
        "13812345678，138-1234-5678，010-12345678，第3名，2个人，3-5公里，5km，80km/h，"
        "-5℃，1,234人，2000人，3.14，３点０５分，40-50%，01:30:00，12.05元，100 USD，2点"
    ),
}
