//! The World Bank's files shipped inside the binary (gzipped, `assets/worldbank/`), so that a
//! new instance has corridor prices, flows and migrant stocks without any command or download:
//! they are loaded into the database the first time a remittance page or the API asks
//! ([`super::ensure_loaded`]), and an admin's import of a newer export replaces them there.
//! Embedded rather than fetched: the instance may have no way out to the World Bank, and the
//! files are small (270 KB gzipped).

use super::Dataset;
use std::io::Read;

const PRICES: &[u8] =
    include_bytes!("../../../assets/worldbank/rpw_corridors_2011q1_2020q3_databank.csv.gz");
const FLOWS: &[u8] = include_bytes!("../../../assets/worldbank/bilateral_remittances_2017.csv.gz");
const STOCKS: &[u8] =
    include_bytes!("../../../assets/worldbank/bilateral_migrant_stocks_2017.csv.gz");

/// The year of the shipped flows and stocks.
pub const YEAR: i32 = 2017;

/// The text of the shipped file of `dataset`.
pub fn text(dataset: Dataset) -> String {
    let bytes = match dataset {
        Dataset::Prices => PRICES,
        Dataset::Flows => FLOWS,
        Dataset::Stocks => STOCKS,
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("the shipped World Bank files are gzipped UTF-8");
    text
}
